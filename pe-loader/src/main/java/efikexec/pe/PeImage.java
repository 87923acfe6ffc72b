package efikexec.pe;

import efikexec.model.memory.GuestMemory;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed PE32+ image: the COFF and optional header fields efikexec uses, the data directories
 * and the section table. Immutable; does not hold the file's bytes. Made by {@link PeParser},
 * which has checked every property documented here.
 */
public final class PeImage {
    public static final int PE32_MAGIC = 0x10b;
    public static final int PE32_PLUS_MAGIC = 0x20b;
    public static final int IMAGE_SUBSYSTEM_EFI_APPLICATION = 10;
    public static final int IMAGE_FILE_RELOCS_STRIPPED = 0x0001;
    public static final int IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
    public static final int IMAGE_FILE_LINE_NUMS_STRIPPED = 0x0004;
    public static final int IMAGE_FILE_LARGE_ADDRESS_AWARE = 0x0020;
    public static final int IMAGE_FILE_DEBUG_STRIPPED = 0x0200;

    private final long fileSize;
    private final long peHeaderOffset;
    private final int machine;
    private final int sizeOfOptionalHeader;
    private final int characteristics;
    private final int magic;
    private final int majorImageVersion;
    private final int minorImageVersion;
    private final int subsystem;
    private final int dllCharacteristics;
    private final long imageBase;
    private final long sectionAlignment;
    private final long fileAlignment;
    private final long sizeOfImage;
    private final long sizeOfHeaders;
    private final long addressOfEntryPoint;
    private final long checksum;
    private final List<DataDirectory> dataDirectories;
    private final List<PeSection> sections;

    PeImage(long fileSize, long peHeaderOffset, int machine, int sizeOfOptionalHeader,
            int characteristics, int magic,
            int majorImageVersion, int minorImageVersion, int subsystem, int dllCharacteristics,
            long imageBase, long sectionAlignment, long fileAlignment, long sizeOfImage,
            long sizeOfHeaders, long addressOfEntryPoint, long checksum,
            List<DataDirectory> dataDirectories, List<PeSection> sections) {
        this.fileSize = fileSize;
        this.peHeaderOffset = peHeaderOffset;
        this.machine = machine;
        this.sizeOfOptionalHeader = sizeOfOptionalHeader;
        this.characteristics = characteristics;
        this.magic = magic;
        this.majorImageVersion = majorImageVersion;
        this.minorImageVersion = minorImageVersion;
        this.subsystem = subsystem;
        this.dllCharacteristics = dllCharacteristics;
        this.imageBase = imageBase;
        this.sectionAlignment = sectionAlignment;
        this.fileAlignment = fileAlignment;
        this.sizeOfImage = sizeOfImage;
        this.sizeOfHeaders = sizeOfHeaders;
        this.addressOfEntryPoint = addressOfEntryPoint;
        this.checksum = checksum;
        this.dataDirectories = List.copyOf(dataDirectories);
        this.sections = List.copyOf(sections);
    }

    /** Length of the file this was parsed from. */
    public long fileSize() {
        return fileSize;
    }

    /** File offset of the "PE\0\0" signature (e_lfanew). */
    public long peHeaderOffset() {
        return peHeaderOffset;
    }

    /** File offset of the COFF file header (Machine is its first field). */
    public long coffHeaderOffset() {
        return peHeaderOffset + 4;
    }

    /** File offset of the optional header (Magic is its first field). */
    public long optionalHeaderOffset() {
        return peHeaderOffset + 24;
    }

    /** File offset of the CheckSum field (Authenticode hashing skips it). */
    public long checksumFieldOffset() {
        return optionalHeaderOffset() + 64;
    }

    /** File offset of data directory entry {@code index}. */
    public long dataDirectoryOffset(int index) {
        return optionalHeaderOffset() + 112 + 8L * index;
    }

    /** File offset of the first section header. */
    public long sectionTableOffset() {
        return optionalHeaderOffset() + sizeOfOptionalHeader();
    }

    /** File offset of section header {@code index}. */
    public long sectionHeaderOffset(int index) {
        return sectionTableOffset() + 40L * index;
    }

    public int sizeOfOptionalHeader() {
        return sizeOfOptionalHeader;
    }

    public int machine() {
        return machine;
    }

    /** "aarch64" or "x86_64". */
    public String arch() {
        return Machine.of(machine).arch();
    }

    public int characteristics() {
        return characteristics;
    }

    /** The optional header magic: always {@link #PE32_PLUS_MAGIC}. */
    public int magic() {
        return magic;
    }

    public int majorImageVersion() {
        return majorImageVersion;
    }

    public int minorImageVersion() {
        return minorImageVersion;
    }

    public int subsystem() {
        return subsystem;
    }

    public boolean isEfiApplication() {
        return subsystem == IMAGE_SUBSYSTEM_EFI_APPLICATION;
    }

    public int dllCharacteristics() {
        return dllCharacteristics;
    }

    public long imageBase() {
        return imageBase;
    }

    public long sectionAlignment() {
        return sectionAlignment;
    }

    public long fileAlignment() {
        return fileAlignment;
    }

    public long sizeOfImage() {
        return sizeOfImage;
    }

    public long sizeOfHeaders() {
        return sizeOfHeaders;
    }

    /** RVA of the entry point. */
    public long addressOfEntryPoint() {
        return addressOfEntryPoint;
    }

    public long checksum() {
        return checksum;
    }

    public boolean relocationsStripped() {
        return (characteristics & IMAGE_FILE_RELOCS_STRIPPED) != 0;
    }

    /** All NumberOfRvaAndSizes entries, in order. */
    public List<DataDirectory> dataDirectories() {
        return dataDirectories;
    }

    /** Entry {@code index}, or {@link DataDirectory#EMPTY} if the image has fewer entries. */
    public DataDirectory dataDirectory(int index) {
        return index < dataDirectories.size() ? dataDirectories.get(index) : DataDirectory.EMPTY;
    }

    public DataDirectory baseRelocationDirectory() {
        return dataDirectory(DataDirectory.BASERELOC);
    }

    /** The certificate table: its "rva" is a file offset. */
    public DataDirectory securityDirectory() {
        return dataDirectory(DataDirectory.SECURITY);
    }

    /** Sections in file order, which is ascending RVA order. */
    public List<PeSection> sections() {
        return sections;
    }

    public Optional<PeSection> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The section whose loaded range contains this RVA. */
    public Optional<PeSection> sectionAt(long rva) {
        return sections.stream().filter(s -> s.containsRva(rva)).findFirst();
    }

    /**
     * The file offset holding [rva, rva+len) of the loaded image, if that range is copied from the
     * file when loading (headers, or the file-backed part of one section); empty for BSS or gaps.
     */
    public OptionalLong fileOffsetOf(long rva, long len) {
        if (rva < 0 || len < 0) return OptionalLong.empty();
        OptionalLong found = OptionalLong.empty();
        if (rva + len <= sizeOfHeaders) found = OptionalLong.of(rva);
        for (PeSection s : sections) {
            // sections are copied after the headers, so a section covering the range wins
            if (rva >= s.virtualAddress() && rva + len <= s.virtualAddress() + s.fileBackedSize()) {
                found = OptionalLong.of(s.pointerToRawData() + (rva - s.virtualAddress()));
            }
        }
        return found;
    }

    /**
     * Loads this image from the file it was parsed from into guest memory at loadAddress: see
     * {@link PeLoader#load(PeImage, byte[], GuestMemory, long)}.
     */
    public LoadedImage load(byte[] file, GuestMemory mem, long loadAddress) {
        return PeLoader.load(this, file, mem, loadAddress);
    }

    @Override
    public String toString() {
        return String.format("PeImage[machine=%s, entry=0x%x, sizeOfImage=0x%x, imageBase=0x%x, sections=%s]",
                Machine.describe(machine), addressOfEntryPoint, sizeOfImage, imageBase,
                sections.stream().map(PeSection::name).toList());
    }
}
