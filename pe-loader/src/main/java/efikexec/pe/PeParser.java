package efikexec.pe;

import static efikexec.pe.FileBytes.require;
import static efikexec.pe.FileBytes.u16;
import static efikexec.pe.FileBytes.u32;
import static efikexec.pe.FileBytes.u64;

import efikexec.model.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses and checks a PE32+ image. Every check failure is a {@link FormatException} naming the
 * PE field (as the PE specification spells it) and its file offset.
 */
public final class PeParser {
    /** Bytes of the PE32+ optional header before the data directories. */
    static final int PE32_PLUS_FIXED_SIZE = 112;
    static final int MAX_DATA_DIRECTORIES = 16;
    /** The PE specification's limit (Windows loader: 96). */
    static final int MAX_SECTIONS = 96;
    static final int SECTION_HEADER_SIZE = 40;

    private PeParser() {}

    public static PeImage parse(byte[] file) {
        // DOS header
        if (!FileSignatures.isMz(file)) throw FileSignatures.notMz(file);
        if (file.length < 0x40) {
            throw new FormatException("e_lfanew", 0x3c, String.format(
                    "file ends at 0x%x, before the DOS header's e_lfanew field", file.length));
        }
        long pe = u32(file, 0x3c, "e_lfanew");
        if (pe > file.length - 4L) {
            throw new FormatException("e_lfanew", 0x3c, String.format(
                    "points to 0x%x, beyond the end of the file (0x%x bytes)", pe, file.length));
        }
        if (!FileBytes.startsWithAt(file, (int) pe, (byte) 'P', (byte) 'E', (byte) 0, (byte) 0)) {
            throw new FormatException("PE signature", pe, String.format(
                    "expected \"PE\\0\\0\" (50 45 00 00) at e_lfanew, found %02x %02x %02x %02x",
                    file[(int) pe], file[(int) pe + 1], file[(int) pe + 2], file[(int) pe + 3]));
        }

        // COFF file header
        long coff = pe + 4;
        require(file, coff, 20, "COFF header", "COFF file header");
        int machine = u16(file, coff, "Machine");
        if (Machine.of(machine) == null) {
            throw new FormatException("Machine", coff, String.format(
                    "machine %s is not supported; efikexec runs aarch64 (0xaa64) and x86_64 (0x8664) images",
                    Machine.describe(machine)));
        }
        int numberOfSections = u16(file, coff + 2, "NumberOfSections");
        if (numberOfSections > MAX_SECTIONS) {
            throw new FormatException("NumberOfSections", coff + 2, String.format(
                    "%d sections, more than the %d a PE image may have", numberOfSections, MAX_SECTIONS));
        }
        int sizeOfOptionalHeader = u16(file, coff + 16, "SizeOfOptionalHeader");
        int characteristics = u16(file, coff + 18, "Characteristics");

        // optional header
        long opt = pe + 24;
        require(file, opt, 2, "optional header", "optional header");
        int magic = u16(file, opt, "Magic");
        if (magic == PeImage.PE32_MAGIC) {
            throw new FormatException("Magic", opt, "PE32 images are not supported (magic 0x10b);"
                    + " efikexec runs 64-bit PE32+ images (magic 0x20b)");
        }
        if (magic != PeImage.PE32_PLUS_MAGIC) {
            throw new FormatException("Magic", opt, String.format(
                    "optional header magic 0x%x is not PE32+ (0x20b)", magic));
        }
        if (sizeOfOptionalHeader < PE32_PLUS_FIXED_SIZE) {
            throw new FormatException("SizeOfOptionalHeader", coff + 16, String.format(
                    "0x%x is smaller than the 0x%x bytes of a PE32+ optional header",
                    sizeOfOptionalHeader, PE32_PLUS_FIXED_SIZE));
        }
        require(file, opt, sizeOfOptionalHeader, "optional header", "optional header");
        long addressOfEntryPoint = u32(file, opt + 16, "AddressOfEntryPoint");
        long imageBase = u64(file, opt + 24, "ImageBase");
        long sectionAlignment = u32(file, opt + 32, "SectionAlignment");
        long fileAlignment = u32(file, opt + 36, "FileAlignment");
        int majorImageVersion = u16(file, opt + 44, "MajorImageVersion");
        int minorImageVersion = u16(file, opt + 46, "MinorImageVersion");
        long sizeOfImage = u32(file, opt + 56, "SizeOfImage");
        long sizeOfHeaders = u32(file, opt + 60, "SizeOfHeaders");
        long checksum = u32(file, opt + 64, "CheckSum");
        int subsystem = u16(file, opt + 68, "Subsystem");
        int dllCharacteristics = u16(file, opt + 70, "DllCharacteristics");
        long numberOfRvaAndSizes = u32(file, opt + 108, "NumberOfRvaAndSizes");
        if (numberOfRvaAndSizes > MAX_DATA_DIRECTORIES) {
            throw new FormatException("NumberOfRvaAndSizes", opt + 108, String.format(
                    "%d data directories, more than the %d the PE format defines",
                    numberOfRvaAndSizes, MAX_DATA_DIRECTORIES));
        }
        if (PE32_PLUS_FIXED_SIZE + 8 * numberOfRvaAndSizes > sizeOfOptionalHeader) {
            throw new FormatException("SizeOfOptionalHeader", coff + 16, String.format(
                    "0x%x bytes cannot hold %d data directories (needs 0x%x)", sizeOfOptionalHeader,
                    numberOfRvaAndSizes, PE32_PLUS_FIXED_SIZE + 8 * numberOfRvaAndSizes));
        }
        List<DataDirectory> dirs = new ArrayList<>();
        for (int i = 0; i < numberOfRvaAndSizes; i++) {
            long at = opt + PE32_PLUS_FIXED_SIZE + 8L * i;
            dirs.add(new DataDirectory(u32(file, at, "DataDirectory"), u32(file, at + 4, "DataDirectory")));
        }

        // the section table, before any check that compares header fields
        long table = opt + sizeOfOptionalHeader;
        require(file, table, (long) SECTION_HEADER_SIZE * numberOfSections, "section table",
                "section table (" + numberOfSections + " sections)");

        if (sizeOfImage == 0) {
            throw new FormatException("SizeOfImage", opt + 56, "SizeOfImage is 0");
        }
        if (sizeOfHeaders > sizeOfImage) {
            throw new FormatException("SizeOfHeaders", opt + 60, String.format(
                    "SizeOfHeaders 0x%x is larger than SizeOfImage 0x%x", sizeOfHeaders, sizeOfImage));
        }
        if (sizeOfHeaders > file.length) {
            throw new FormatException("SizeOfHeaders", opt + 60, String.format(
                    "SizeOfHeaders 0x%x is larger than the file (0x%x bytes)", sizeOfHeaders, file.length));
        }
        if (addressOfEntryPoint >= sizeOfImage) {
            throw new FormatException("AddressOfEntryPoint", opt + 16, String.format(
                    "entry point 0x%x is outside the image (SizeOfImage 0x%x)", addressOfEntryPoint, sizeOfImage));
        }

        // sections
        List<PeSection> sections = new ArrayList<>();
        for (int i = 0; i < numberOfSections; i++) {
            long h = table + (long) SECTION_HEADER_SIZE * i;
            PeSection s = new PeSection(sectionName(file, (int) h), u32(file, h + 12, "VirtualAddress"),
                    u32(file, h + 8, "VirtualSize"), u32(file, h + 20, "PointerToRawData"),
                    u32(file, h + 16, "SizeOfRawData"), (int) u32(file, h + 36, "Characteristics"));
            checkSection(file, s, h, sizeOfImage, sections.isEmpty() ? null : sections.get(sections.size() - 1));
            sections.add(s);
        }

        // data directories that must point somewhere sensible
        DataDirectory reloc = DataDirectory.BASERELOC < dirs.size() ? dirs.get(DataDirectory.BASERELOC) : DataDirectory.EMPTY;
        if (!reloc.isEmpty() && reloc.rva() + reloc.size() > sizeOfImage) {
            throw new FormatException("BaseRelocationTable", opt + PE32_PLUS_FIXED_SIZE + 8L * DataDirectory.BASERELOC,
                    String.format("relocation directory 0x%x..0x%x is outside the image (SizeOfImage 0x%x)",
                            reloc.rva(), reloc.rva() + reloc.size(), sizeOfImage));
        }
        DataDirectory security = DataDirectory.SECURITY < dirs.size() ? dirs.get(DataDirectory.SECURITY) : DataDirectory.EMPTY;
        if (!security.isEmpty() && security.rva() + security.size() > file.length) {
            throw new FormatException("CertificateTable", opt + PE32_PLUS_FIXED_SIZE + 8L * DataDirectory.SECURITY,
                    String.format("certificate table at file offset 0x%x..0x%x runs past the end of the file (0x%x bytes)",
                            security.rva(), security.rva() + security.size(), file.length));
        }

        return new PeImage(file.length, pe, machine, sizeOfOptionalHeader, characteristics, magic,
                majorImageVersion, minorImageVersion, subsystem, dllCharacteristics, imageBase,
                sectionAlignment, fileAlignment, sizeOfImage, sizeOfHeaders, addressOfEntryPoint,
                checksum, dirs, sections);
    }

    private static void checkSection(byte[] file, PeSection s, long h, long sizeOfImage, PeSection previous) {
        if (s.sizeOfRawData() > 0 && s.pointerToRawData() + s.sizeOfRawData() > file.length) {
            throw new FormatException("PointerToRawData", h + 20, String.format(
                    "section %s: raw data 0x%x..0x%x runs past the end of the file (0x%x bytes)", s.name(),
                    s.pointerToRawData(), s.pointerToRawData() + s.sizeOfRawData(), file.length));
        }
        if (s.endRva() > sizeOfImage) {
            throw new FormatException("VirtualSize", h + 8, String.format(
                    "section %s: 0x%x..0x%x is outside the image (SizeOfImage 0x%x)", s.name(),
                    s.virtualAddress(), s.endRva(), sizeOfImage));
        }
        if (previous != null && s.virtualAddress() < previous.virtualAddress()) {
            throw new FormatException("VirtualAddress", h + 12, String.format(
                    "section %s at 0x%x comes after section %s at 0x%x: sections must be in ascending address order",
                    s.name(), s.virtualAddress(), previous.name(), previous.virtualAddress()));
        }
        if (previous != null && s.virtualAddress() < previous.endRva()) {
            throw new FormatException("VirtualAddress", h + 12, String.format(
                    "section %s at 0x%x..0x%x overlaps section %s at 0x%x..0x%x", s.name(),
                    s.virtualAddress(), s.endRva(), previous.name(), previous.virtualAddress(),
                    previous.endRva()));
        }
    }

    private static String sectionName(byte[] file, int at) {
        int n = 0;
        while (n < 8 && file[at + n] != 0) n++;
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = file[at + i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return sb.toString();
    }
}
