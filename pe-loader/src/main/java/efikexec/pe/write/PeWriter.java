package efikexec.pe.write;

import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeSection;
import efikexec.pe.reloc.BaseRelocations;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a PE32+ image (an EFI application, a UKI) from its header fields, its sections and its
 * base relocation sites. Written by hand because no maintained Java library writes PE32+ images.
 *
 * <p>The file it writes, in order:
 * <ul>
 *   <li>a 64-byte DOS header: "MZ" and e_lfanew = {@value #PE_HEADER_OFFSET}, every other field 0
 *       (no DOS stub program: EFI loaders read only these two fields);
 *   <li>"PE\0\0", the COFF file header (TimeDateStamp 0, no symbol table), a PE32+ optional
 *       header with all 16 data directories (only BaseRelocationTable is ever set), the section
 *       table; together padded with zeros to SizeOfHeaders, a multiple of FileAlignment;
 *   <li>each section's bytes at a FileAlignment multiple, zero-padded to SizeOfRawData
 *       (the bytes rounded up to FileAlignment; 0, with PointerToRawData 0, for a section with
 *       no bytes), in the order added;
 *   <li>with relocations, a last section ".reloc" the writer makes: 4 KiB page blocks in
 *       ascending order, each padded with an ABSOLUTE entry to a multiple of 4 bytes.
 * </ul>
 * Sections are laid out in memory in the order added: each at the next SectionAlignment multiple
 * after the headers or the previous section, unless {@link #sectionAt pinned} to a higher RVA.
 * SizeOfImage is the end of the last section rounded up to SectionAlignment. SizeOfCode and
 * SizeOfInitializedData add up the SizeOfRawData of the sections flagged CNT_CODE and
 * CNT_INITIALIZED_DATA, SizeOfUninitializedData the VirtualSize (rounded up to FileAlignment)
 * of those flagged CNT_UNINITIALIZED_DATA; BaseOfCode is the first CNT_CODE section's RVA.
 * Fields this class has no setter for (linker, OS and subsystem versions, stack and heap
 * sizes, LoaderFlags) are 0. CheckSum is computed last, with {@link #checksum}.
 *
 * <p>The same input gives the same bytes: nothing depends on time, order of hashing or the
 * machine. Input that cannot make a consistent image is refused with an
 * {@link IllegalArgumentException}: by a setter for a value out of its field's range, by
 * {@link #build()} for what only the whole shows (an entry point outside the code, overlapping
 * sections or relocation sites, a relocation outside any section's bytes, alignments the PE
 * specification does not allow).
 */
public final class PeWriter {
    /** e_lfanew of every image written: the PE signature follows the 64-byte DOS header. */
    public static final int PE_HEADER_OFFSET = 0x40;
    /** SizeOfOptionalHeader: the PE32+ fields and 16 data directories. */
    public static final int OPTIONAL_HEADER_SIZE = 112 + 16 * 8;
    /** File offset of the optional header's CheckSum field in every image written. */
    public static final int CHECKSUM_OFFSET = PE_HEADER_OFFSET + 4 + 20 + 64;
    /** COFF Characteristics unless {@link #characteristics(int)} says otherwise: an executable, stripped. */
    public static final int DEFAULT_CHARACTERISTICS = PeImage.IMAGE_FILE_EXECUTABLE_IMAGE
            | PeImage.IMAGE_FILE_LINE_NUMS_STRIPPED | PeImage.IMAGE_FILE_DEBUG_STRIPPED;
    /** Name of the relocation section the writer adds; no section added by the caller may have it. */
    public static final String RELOC_SECTION = ".reloc";
    /** The .reloc section's Characteristics: initialized data, discardable, readable. */
    public static final int RELOC_CHARACTERISTICS = PeSection.IMAGE_SCN_CNT_INITIALIZED_DATA
            | PeSection.IMAGE_SCN_MEM_DISCARDABLE | PeSection.IMAGE_SCN_MEM_READ;

    private static final int COFF_HEADER_SIZE = 20;
    private static final int SECTION_HEADER_SIZE = 40;
    private static final int DATA_DIRECTORIES = 16;
    /** The PE specification's limit, as {@code PeParser} enforces it. */
    private static final int MAX_SECTIONS = 96;
    /** IMAGE_SCN_ALIGN_*: valid only in object files. */
    private static final int SCN_ALIGN_MASK = 0x00f00000;
    private static final long U32 = 0xffff_ffffL;
    private static final long PAGE = 0x1000;
    /** Largest file this writes: what a Java byte array holds. */
    private static final long MAX_FILE_SIZE = Integer.MAX_VALUE - 8;

    private int machine = -1;
    private int subsystem = PeImage.IMAGE_SUBSYSTEM_EFI_APPLICATION;
    private long imageBase;
    private long sectionAlignment = 0x1000;
    private long fileAlignment = 0x200;
    private long entryPoint = -1;
    private int majorImageVersion;
    private int minorImageVersion;
    private int dllCharacteristics;
    private int characteristics = DEFAULT_CHARACTERISTICS;
    private final List<Section> sections = new ArrayList<>();
    /** Relocation sites by RVA: the table is written in this order. */
    private final Map<Long, Integer> relocations = new TreeMap<>();

    private record Section(String name, int characteristics, byte[] data, long virtualSize, long pinnedRva) {}

    /** Where build() put one section. */
    private record Placed(Section s, long rva, long rawPointer, long rawSize) {
        long dataEnd() {
            return rva + s.data.length;
        }
    }

    /** COFF Machine, e.g. {@link efikexec.pe.Machine#IMAGE_FILE_MACHINE_ARM64}; required. */
    public PeWriter machine(int machine) {
        this.machine = u16(machine, "Machine");
        if (machine == 0) throw new IllegalArgumentException("Machine 0 (IMAGE_FILE_MACHINE_UNKNOWN) is not an image's machine");
        return this;
    }

    /** Optional header Subsystem; default 10, EFI application. */
    public PeWriter subsystem(int subsystem) {
        this.subsystem = u16(subsystem, "Subsystem");
        return this;
    }

    /** ImageBase, a multiple of 64 KiB as the PE specification requires; default 0. */
    public PeWriter imageBase(long imageBase) {
        if ((imageBase & 0xffff) != 0) {
            throw new IllegalArgumentException(String.format("ImageBase 0x%x is not a multiple of 64 KiB", imageBase));
        }
        this.imageBase = imageBase;
        return this;
    }

    /** SectionAlignment: a power of two, at least FileAlignment; default 0x1000. */
    public PeWriter sectionAlignment(long alignment) {
        this.sectionAlignment = powerOfTwo(alignment, "SectionAlignment");
        return this;
    }

    /** FileAlignment: a power of two from 0x200 to 0x10000; default 0x200. */
    public PeWriter fileAlignment(long alignment) {
        this.fileAlignment = powerOfTwo(alignment, "FileAlignment");
        return this;
    }

    /** AddressOfEntryPoint: an RVA inside the bytes of an executable section; required. */
    public PeWriter entryPoint(long rva) {
        this.entryPoint = u32(rva, "AddressOfEntryPoint");
        return this;
    }

    /** MajorImageVersion and MinorImageVersion; default 0.0. */
    public PeWriter imageVersion(int major, int minor) {
        this.majorImageVersion = u16(major, "MajorImageVersion");
        this.minorImageVersion = u16(minor, "MinorImageVersion");
        return this;
    }

    /** Optional header DllCharacteristics (e.g. 0x100 NX_COMPAT); default 0. */
    public PeWriter dllCharacteristics(int flags) {
        this.dllCharacteristics = u16(flags, "DllCharacteristics");
        return this;
    }

    /**
     * COFF Characteristics; default {@link #DEFAULT_CHARACTERISTICS}. Must keep
     * EXECUTABLE_IMAGE, and may not have RELOCS_STRIPPED when relocations are added. The writer
     * never sets RELOCS_STRIPPED itself: an image without relocations may be position independent.
     */
    public PeWriter characteristics(int flags) {
        this.characteristics = u16(flags, "Characteristics");
        return this;
    }

    /** Adds a section holding {@code data}, VirtualSize = its length, at the next free RVA. */
    public PeWriter section(String name, int characteristics, byte[] data) {
        return section(name, characteristics, data, data.length);
    }

    /**
     * Adds a section at the next free RVA whose VirtualSize may exceed its bytes: the loader zeroes
     * the rest (BSS). {@code data} may be empty for a section that is all BSS.
     */
    public PeWriter section(String name, int characteristics, byte[] data, long virtualSize) {
        return add(name, characteristics, data, virtualSize, -1);
    }

    /**
     * Adds a section at a given RVA: a SectionAlignment multiple at or after the end of the headers
     * and of the section added before, checked by {@link #build()}. For images whose code expects
     * its sections at fixed distances (a stub's sections copied into a UKI).
     */
    public PeWriter sectionAt(long rva, String name, int characteristics, byte[] data, long virtualSize) {
        return add(name, characteristics, data, virtualSize, u32(rva, "VirtualAddress"));
    }

    private PeWriter add(String name, int characteristics, byte[] data, long virtualSize, long rva) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length > 8 || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("section name \"" + name
                    + "\": 1 to 8 printable ASCII characters, no spaces (longer names need a COFF string table)");
        }
        if (name.equals(RELOC_SECTION)) {
            throw new IllegalArgumentException("section " + RELOC_SECTION + " is written from relocation(...), not added");
        }
        if ((characteristics & SCN_ALIGN_MASK) != 0) {
            throw new IllegalArgumentException(String.format(
                    "section %s: Characteristics 0x%08x has IMAGE_SCN_ALIGN_* bits, valid only in object files",
                    name, characteristics));
        }
        u32(virtualSize, "VirtualSize");
        if (virtualSize == 0) throw new IllegalArgumentException("section " + name + " is empty (VirtualSize 0)");
        if (virtualSize < data.length) {
            throw new IllegalArgumentException(String.format(
                    "section %s: VirtualSize 0x%x is smaller than its 0x%x bytes", name, virtualSize, data.length));
        }
        sections.add(new Section(name, characteristics, data.clone(), virtualSize, rva));
        return this;
    }

    /**
     * Adds a base relocation site: {@link BaseRelocations#IMAGE_REL_BASED_DIR64} (a u64) or
     * {@link BaseRelocations#IMAGE_REL_BASED_HIGHLOW} (a u32) at {@code rva}, which must lie in
     * the bytes of a section; sites may be added in any order but not twice, nor overlap.
     */
    public PeWriter relocation(int type, long rva) {
        if (type != BaseRelocations.IMAGE_REL_BASED_DIR64 && type != BaseRelocations.IMAGE_REL_BASED_HIGHLOW) {
            throw new IllegalArgumentException("relocation type " + type + " (" + BaseRelocations.typeName(type)
                    + "): only DIR64 (10) and HIGHLOW (3) are written");
        }
        u32(rva, "relocation RVA");
        Integer before = relocations.putIfAbsent(rva, type);
        if (before != null) throw new IllegalArgumentException(String.format("relocation site 0x%x added twice", rva));
        return this;
    }

    /** The image's bytes. Can be called again; the same input gives the same bytes. */
    public byte[] build() {
        if (machine < 0) throw new IllegalArgumentException("Machine is not set");
        if (entryPoint < 0) throw new IllegalArgumentException("AddressOfEntryPoint is not set");
        if (sections.isEmpty()) throw new IllegalArgumentException("an image needs at least one section");
        if (fileAlignment < 0x200 || fileAlignment > 0x10000) {
            throw new IllegalArgumentException(String.format("FileAlignment 0x%x is not from 0x200 to 0x10000", fileAlignment));
        }
        if (sectionAlignment < fileAlignment) {
            throw new IllegalArgumentException(String.format(
                    "SectionAlignment 0x%x is smaller than FileAlignment 0x%x", sectionAlignment, fileAlignment));
        }
        if ((characteristics & PeImage.IMAGE_FILE_EXECUTABLE_IMAGE) == 0) {
            throw new IllegalArgumentException(String.format(
                    "Characteristics 0x%04x lacks IMAGE_FILE_EXECUTABLE_IMAGE (0x0002)", characteristics));
        }
        if (!relocations.isEmpty() && (characteristics & PeImage.IMAGE_FILE_RELOCS_STRIPPED) != 0) {
            throw new IllegalArgumentException(String.format(
                    "Characteristics 0x%04x says IMAGE_FILE_RELOCS_STRIPPED, but %d relocations were added",
                    characteristics, relocations.size()));
        }
        int count = sections.size() + (relocations.isEmpty() ? 0 : 1);
        if (count > MAX_SECTIONS) {
            throw new IllegalArgumentException(count + " sections, more than the " + MAX_SECTIONS + " a PE image may have");
        }

        int optionalHeader = PE_HEADER_OFFSET + 4 + COFF_HEADER_SIZE;
        int sectionTable = optionalHeader + OPTIONAL_HEADER_SIZE;
        long sizeOfHeaders = alignUp(sectionTable + (long) SECTION_HEADER_SIZE * count, fileAlignment);

        // memory and file layout, in the order added
        List<Placed> placed = new ArrayList<>();
        long nextRva = alignUp(sizeOfHeaders, sectionAlignment);
        long nextRaw = sizeOfHeaders;
        for (Section s : sections) {
            long rva = nextRva;
            if (s.pinnedRva >= 0) {
                if (s.pinnedRva % sectionAlignment != 0) {
                    throw new IllegalArgumentException(String.format("section %s: VirtualAddress 0x%x is not a"
                            + " multiple of SectionAlignment 0x%x", s.name, s.pinnedRva, sectionAlignment));
                }
                if (s.pinnedRva < nextRva) {
                    throw new IllegalArgumentException(String.format("section %s: VirtualAddress 0x%x is before 0x%x,"
                            + " the end of %s", s.name, s.pinnedRva, nextRva,
                            placed.isEmpty() ? "the headers" : "section " + placed.get(placed.size() - 1).s.name));
                }
                rva = s.pinnedRva;
            }
            long rawSize = alignUp(s.data.length, fileAlignment);
            placed.add(new Placed(s, rva, rawSize == 0 ? 0 : nextRaw, rawSize));
            nextRaw += rawSize;
            nextRva = alignUp(rva + s.virtualSize, sectionAlignment);
        }
        if (!relocations.isEmpty()) {
            byte[] table = relocationTable(placed);
            Section reloc = new Section(RELOC_SECTION, RELOC_CHARACTERISTICS, table, table.length, -1);
            long rawSize = alignUp(table.length, fileAlignment);
            placed.add(new Placed(reloc, nextRva, nextRaw, rawSize));
            nextRaw += rawSize;
            nextRva = alignUp(nextRva + table.length, sectionAlignment);
        }
        long sizeOfImage = nextRva;
        if (sizeOfImage > U32) {
            throw new IllegalArgumentException(String.format("SizeOfImage 0x%x does not fit in 32 bits", sizeOfImage));
        }
        if (Long.compareUnsigned(imageBase, -1L - sizeOfImage) > 0) {
            throw new IllegalArgumentException(String.format(
                    "ImageBase 0x%x + SizeOfImage 0x%x passes the end of the address space", imageBase, sizeOfImage));
        }
        if (nextRaw > MAX_FILE_SIZE) {
            throw new IllegalArgumentException(String.format("the file would have 0x%x bytes, more than a byte array holds", nextRaw));
        }
        if (placed.stream().noneMatch(p -> (p.s.characteristics & PeSection.IMAGE_SCN_MEM_EXECUTE) != 0
                && entryPoint >= p.rva && entryPoint < p.dataEnd())) {
            throw new IllegalArgumentException(String.format(
                    "AddressOfEntryPoint 0x%x is not inside the bytes of an executable (MEM_EXECUTE) section", entryPoint));
        }

        ByteBuffer b = ByteBuffer.allocate((int) nextRaw).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, PE_HEADER_OFFSET); // e_lfanew
        b.put(PE_HEADER_OFFSET, (byte) 'P').put(PE_HEADER_OFFSET + 1, (byte) 'E'); // then 00 00

        int coff = PE_HEADER_OFFSET + 4;
        b.putShort(coff, (short) machine);
        b.putShort(coff + 2, (short) count); // NumberOfSections
        b.putShort(coff + 16, (short) OPTIONAL_HEADER_SIZE);
        b.putShort(coff + 18, (short) characteristics);

        int opt = optionalHeader;
        b.putShort(opt, (short) PeImage.PE32_PLUS_MAGIC);
        b.putInt(opt + 4, (int) sum(placed, PeSection.IMAGE_SCN_CNT_CODE, false)); // SizeOfCode
        b.putInt(opt + 8, (int) sum(placed, PeSection.IMAGE_SCN_CNT_INITIALIZED_DATA, false)); // SizeOfInitializedData
        b.putInt(opt + 12, (int) sum(placed, PeSection.IMAGE_SCN_CNT_UNINITIALIZED_DATA, true)); // SizeOfUninitializedData
        b.putInt(opt + 16, (int) entryPoint);
        b.putInt(opt + 20, (int) placed.stream().filter(p -> (p.s.characteristics & PeSection.IMAGE_SCN_CNT_CODE) != 0)
                .mapToLong(Placed::rva).findFirst().orElse(0)); // BaseOfCode
        b.putLong(opt + 24, imageBase);
        b.putInt(opt + 32, (int) sectionAlignment);
        b.putInt(opt + 36, (int) fileAlignment);
        b.putShort(opt + 44, (short) majorImageVersion);
        b.putShort(opt + 46, (short) minorImageVersion);
        b.putInt(opt + 56, (int) sizeOfImage);
        b.putInt(opt + 60, (int) sizeOfHeaders);
        b.putShort(opt + 68, (short) subsystem);
        b.putShort(opt + 70, (short) dllCharacteristics);
        b.putInt(opt + 108, DATA_DIRECTORIES); // NumberOfRvaAndSizes
        if (!relocations.isEmpty()) {
            Placed reloc = placed.get(placed.size() - 1);
            int dir = opt + 112 + 8 * DataDirectory.BASERELOC;
            b.putInt(dir, (int) reloc.rva).putInt(dir + 4, reloc.s.data.length);
        }

        for (int i = 0; i < placed.size(); i++) {
            Placed p = placed.get(i);
            int h = sectionTable + SECTION_HEADER_SIZE * i;
            b.put(h, p.s.name.getBytes(StandardCharsets.US_ASCII));
            b.putInt(h + 8, (int) p.s.virtualSize);
            b.putInt(h + 12, (int) p.rva);
            b.putInt(h + 16, (int) p.rawSize);
            b.putInt(h + 20, (int) p.rawPointer);
            b.putInt(h + 36, p.s.characteristics);
            b.put((int) p.rawPointer, p.s.data);
        }

        byte[] file = b.array();
        b.putInt(CHECKSUM_OFFSET, (int) checksum(file, CHECKSUM_OFFSET));
        return file;
    }

    /**
     * The PE image checksum (the optional header's CheckSum) of {@code file}, whose CheckSum field
     * is at {@code checksumFieldOffset}: the file as little-endian 16-bit words (an odd last byte
     * padded with 0), the field's four bytes read as 0, added with the carry folded back into the
     * low 16 bits after every word, plus the file's length. This is Windows' CheckSumMappedFile,
     * and gives the value pefile's generate_checksum (used by ukify) gives.
     */
    public static long checksum(byte[] file, int checksumFieldOffset) {
        if (checksumFieldOffset < 0 || checksumFieldOffset > file.length - 4) {
            throw new IllegalArgumentException(String.format(
                    "CheckSum field at 0x%x is not inside the file (0x%x bytes)", checksumFieldOffset, file.length));
        }
        long sum = 0;
        for (int i = 0; i < file.length; i += 2) {
            int lo = checksumByte(file, i, checksumFieldOffset);
            int hi = i + 1 < file.length ? checksumByte(file, i + 1, checksumFieldOffset) : 0;
            sum += lo | hi << 8;
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (sum + file.length) & U32;
    }

    private static int checksumByte(byte[] file, int i, int field) {
        return i >= field && i < field + 4 ? 0 : file[i] & 0xff;
    }

    /** The .reloc section's bytes, after checking every site against the sections' bytes. */
    private byte[] relocationTable(List<Placed> placed) {
        long previousEnd = -1;
        long previousSite = -1;
        for (Map.Entry<Long, Integer> e : relocations.entrySet()) {
            long rva = e.getKey();
            int width = e.getValue() == BaseRelocations.IMAGE_REL_BASED_DIR64 ? 8 : 4;
            if (rva < previousEnd) {
                throw new IllegalArgumentException(String.format(
                        "relocation sites 0x%x and 0x%x overlap", previousSite, rva));
            }
            if (placed.stream().noneMatch(p -> rva >= p.rva && rva + width <= p.dataEnd())) {
                throw new IllegalArgumentException(String.format("%s relocation site 0x%x..0x%x is not inside the"
                        + " bytes of one section", BaseRelocations.typeName(e.getValue()), rva, rva + width));
            }
            previousSite = rva;
            previousEnd = rva + width;
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Map.Entry<Long, Integer>> sites = new ArrayList<>(relocations.entrySet());
        for (int start = 0; start < sites.size(); ) {
            long page = sites.get(start).getKey() & ~(PAGE - 1);
            int end = start;
            while (end < sites.size() && (sites.get(end).getKey() & ~(PAGE - 1)) == page) end++;
            int entries = end - start;
            int padded = entries + (entries & 1); // blocks are a multiple of 4 bytes: one ABSOLUTE entry pads
            ByteBuffer block = ByteBuffer.allocate(8 + 2 * padded).order(ByteOrder.LITTLE_ENDIAN);
            block.putInt((int) page).putInt(8 + 2 * padded);
            for (int i = start; i < end; i++) {
                Map.Entry<Long, Integer> e = sites.get(i);
                block.putShort((short) (e.getValue() << 12 | (int) (e.getKey() & (PAGE - 1))));
            }
            out.writeBytes(block.array());
            start = end;
        }
        return out.toByteArray();
    }

    /** SizeOfRawData of the sections with {@code flag}, or their VirtualSize rounded up to FileAlignment. */
    private long sum(List<Placed> placed, int flag, boolean virtual) {
        long total = 0;
        for (Placed p : placed) {
            if ((p.s.characteristics & flag) == 0) continue;
            total += virtual ? alignUp(p.s.virtualSize, fileAlignment) : p.rawSize;
        }
        return total;
    }

    private static long alignUp(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }

    private static int u16(int v, String field) {
        if (v < 0 || v > 0xffff) throw new IllegalArgumentException(String.format("%s 0x%x does not fit in 16 bits", field, v));
        return v;
    }

    private static long u32(long v, String field) {
        if (v < 0 || v > U32) throw new IllegalArgumentException(String.format("%s 0x%x does not fit in 32 bits", field, v));
        return v;
    }

    private static long powerOfTwo(long v, String field) {
        if (v <= 0 || v > 0x8000_0000L || Long.bitCount(v) != 1) {
            throw new IllegalArgumentException(String.format("%s 0x%x is not a power of two that fits in 32 bits", field, v));
        }
        return v;
    }
}
