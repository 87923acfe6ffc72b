package efikexec.pe.write;

import static efikexec.pe.reloc.BaseRelocations.IMAGE_REL_BASED_DIR64;
import static efikexec.pe.reloc.BaseRelocations.IMAGE_REL_BASED_HIGHLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.pe.DataDirectory;
import efikexec.pe.LoadedImage;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.reloc.BaseRelocation;
import efikexec.pe.reloc.BaseRelocations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PeWriterTest {
    private static final long IMAGE_BASE = 0x1000_0000L;
    private static final int CODE = 0x60000020; // CNT_CODE | MEM_EXECUTE | MEM_READ
    private static final int DATA = 0xc0000040; // CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE
    private static final int RODATA = 0x40000040; // CNT_INITIALIZED_DATA | MEM_READ
    private static final int BSS = 0xc0000080; // CNT_UNINITIALIZED_DATA | MEM_READ | MEM_WRITE
    private static final int OPT = 0x58; // optional header: e_lfanew 0x40 + "PE\0\0" + 20-byte COFF header

    private static final byte[] TEXT = pattern(0x345, i -> i * 7 + 1);
    private static final byte[] DATA_BYTES = dataBytes();
    private static final byte[] SBAT = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
            .getBytes(StandardCharsets.US_ASCII);

    private interface IntToInt {
        int at(int i);
    }

    private static byte[] pattern(int n, IntToInt f) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) f.at(i);
        return b;
    }

    /** .data: pointers at its relocation sites, on two pages (RVA 0x2000 and 0x3000). */
    private static byte[] dataBytes() {
        byte[] d = pattern(0x1020, i -> 0xa5 ^ i);
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, IMAGE_BASE + 0x1000); // RVA 0x2000: DIR64 to .text
        b.putLong(8, IMAGE_BASE + 0x4000); // RVA 0x2008: DIR64 to .sbat
        b.putInt(0x10, (int) (IMAGE_BASE + 0x1010)); // RVA 0x2010: HIGHLOW to the entry point
        b.putLong(0x1018, IMAGE_BASE + 0x5000); // RVA 0x3018: DIR64 to .bss
        return d;
    }

    /**
     * Four sections (code; data with a BSS tail; read-only data; all BSS) and relocations on two
     * pages, added out of order. Expected layout: headers 0x400 (5 section headers need 0x210),
     * .text 0x1000 / file 0x400, .data 0x2000..0x3800 / file 0x800 (0x1200 raw), .sbat 0x4000 /
     * file 0x1a00, .bss 0x5000..0x7000 / no file bytes, .reloc 0x7000 / file 0x1c00, 0x1e00 bytes.
     */
    private static PeWriter sample() {
        return sections(TEXT)
                .relocation(IMAGE_REL_BASED_DIR64, 0x3018)
                .relocation(IMAGE_REL_BASED_HIGHLOW, 0x2010)
                .relocation(IMAGE_REL_BASED_DIR64, 0x2000)
                .relocation(IMAGE_REL_BASED_DIR64, 0x2008);
    }

    /** The sample's headers and sections, with this .text, and no relocations yet. */
    private static PeWriter sections(byte[] text) {
        return new PeWriter().machine(0xaa64).subsystem(10).imageBase(IMAGE_BASE)
                .sectionAlignment(0x1000).fileAlignment(0x200).entryPoint(0x1010).imageVersion(1, 2)
                .dllCharacteristics(0x160)
                .section(".text", CODE, text)
                .section(".data", DATA, DATA_BYTES, 0x1800)
                .section(".sbat", RODATA, SBAT)
                .section(".bss", BSS, new byte[0], 0x2000);
    }

    private static PeWriter minimal() {
        return new PeWriter().machine(0xaa64).entryPoint(0x1000).section(".text", CODE, new byte[] {1, 2, 3, 4});
    }

    private static ByteBuffer le(byte[] f) {
        return ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void writesTheHeadersAtTheirOffsets() {
        byte[] f = sample().build();
        ByteBuffer b = le(f);
        assertThat(f).hasSize(0x1e00);
        assertThat(Arrays.copyOf(f, 2)).isEqualTo(new byte[] {'M', 'Z'});
        assertThat(b.getInt(0x3c)).isEqualTo(0x40); // e_lfanew
        assertThat(Arrays.copyOfRange(f, 0x40, 0x44)).isEqualTo(new byte[] {'P', 'E', 0, 0});
        assertThat(b.getShort(0x44)).isEqualTo((short) 0xaa64);
        assertThat(b.getShort(0x46)).isEqualTo((short) 5); // NumberOfSections, with .reloc
        assertThat(b.getInt(0x48)).isZero(); // TimeDateStamp: nothing depends on the clock
        assertThat(b.getShort(0x54)).isEqualTo((short) 240); // SizeOfOptionalHeader
        assertThat(b.getShort(OPT)).isEqualTo((short) 0x20b);
        assertThat(b.getInt(OPT + 4)).isEqualTo(0x400); // SizeOfCode: .text's raw size
        assertThat(b.getInt(OPT + 8)).isEqualTo(0x1200 + 0x200 + 0x200); // SizeOfInitializedData: .data .sbat .reloc
        assertThat(b.getInt(OPT + 12)).isEqualTo(0x2000); // SizeOfUninitializedData: .bss
        assertThat(b.getInt(OPT + 20)).isEqualTo(0x1000); // BaseOfCode
        assertThat(b.getInt(OPT + 108)).isEqualTo(16); // NumberOfRvaAndSizes
        assertThat(PeWriter.CHECKSUM_OFFSET).isEqualTo(OPT + 64);
        // the rest of the header area, after the last section header, is zero
        assertThat(Arrays.copyOfRange(f, OPT + 240 + 5 * 40, 0x400)).containsOnly(0);
    }

    @Test
    void parsesBackWithTheSameFieldsAndSections() {
        byte[] f = sample().build();
        PeImage pe = PeParser.parse(f);
        assertThat(pe.fileSize()).isEqualTo(f.length);
        assertThat(pe.peHeaderOffset()).isEqualTo(PeWriter.PE_HEADER_OFFSET);
        assertThat(pe.machine()).isEqualTo(0xaa64);
        assertThat(pe.arch()).isEqualTo("aarch64");
        assertThat(pe.characteristics()).isEqualTo(PeWriter.DEFAULT_CHARACTERISTICS).isEqualTo(0x0206);
        assertThat(pe.relocationsStripped()).isFalse();
        assertThat(pe.magic()).isEqualTo(PeImage.PE32_PLUS_MAGIC);
        assertThat(pe.sizeOfOptionalHeader()).isEqualTo(PeWriter.OPTIONAL_HEADER_SIZE);
        assertThat(pe.subsystem()).isEqualTo(10);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.imageBase()).isEqualTo(IMAGE_BASE);
        assertThat(pe.sectionAlignment()).isEqualTo(0x1000);
        assertThat(pe.fileAlignment()).isEqualTo(0x200);
        assertThat(pe.addressOfEntryPoint()).isEqualTo(0x1010);
        assertThat(pe.majorImageVersion()).isEqualTo(1);
        assertThat(pe.minorImageVersion()).isEqualTo(2);
        assertThat(pe.dllCharacteristics()).isEqualTo(0x160);
        assertThat(pe.sizeOfHeaders()).isEqualTo(0x400);
        assertThat(pe.sizeOfImage()).isEqualTo(0x8000);
        assertThat(pe.checksumFieldOffset()).isEqualTo(PeWriter.CHECKSUM_OFFSET);
        assertThat(pe.dataDirectories()).hasSize(16);
        for (int i = 0; i < 16; i++) {
            assertThat(pe.dataDirectory(i)).as("data directory %d", i)
                    .isEqualTo(i == DataDirectory.BASERELOC ? new DataDirectory(0x7000, 0x1c) : DataDirectory.EMPTY);
        }
        assertThat(pe.sections()).containsExactly(
                new PeSection(".text", 0x1000, 0x345, 0x400, 0x400, CODE),
                new PeSection(".data", 0x2000, 0x1800, 0x800, 0x1200, DATA),
                new PeSection(".sbat", 0x4000, SBAT.length, 0x1a00, 0x200, RODATA),
                new PeSection(".bss", 0x5000, 0x2000, 0, 0, BSS),
                new PeSection(".reloc", 0x7000, 0x1c, 0x1c00, 0x200, PeWriter.RELOC_CHARACTERISTICS));
    }

    @Test
    void eachSectionsBytesStandAtItsRawPointerPaddedWithZeros() {
        byte[] f = sample().build();
        Map<String, byte[]> bytes = Map.of(".text", TEXT, ".data", DATA_BYTES, ".sbat", SBAT,
                ".reloc", Arrays.copyOfRange(f, 0x1c00, 0x1c1c)); // the table, checked on its own below
        for (PeSection s : PeParser.parse(f).sections()) {
            if (s.name().equals(".bss")) continue;
            int raw = (int) s.pointerToRawData();
            byte[] expected = bytes.get(s.name());
            assertThat(Arrays.copyOfRange(f, raw, raw + expected.length)).as(s.name()).isEqualTo(expected);
            assertThat(Arrays.copyOfRange(f, raw + expected.length, raw + (int) s.sizeOfRawData()))
                    .as(s.name() + " padding").containsOnly(0);
        }
    }

    @Test
    void loadsWithSectionBytesInPlaceAndBssZero() {
        byte[] f = sample().build();
        PeImage pe = PeParser.parse(f);
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(IMAGE_BASE, 0x10000);
        mem.fill(IMAGE_BASE, 0x10000, 0xcc); // what an earlier owner left
        LoadedImage loaded = pe.load(f, mem, IMAGE_BASE);

        assertThat(loaded.delta()).isZero();
        assertThat(loaded.entryPoint()).isEqualTo(IMAGE_BASE + 0x1010);
        assertThat(loaded.end()).isEqualTo(IMAGE_BASE + 0x8000);
        assertThat(mem.read(IMAGE_BASE + 0x1000, TEXT.length)).isEqualTo(TEXT);
        assertThat(mem.read(IMAGE_BASE + 0x1000 + TEXT.length, 0x1000 - TEXT.length)).containsOnly(0);
        assertThat(mem.read(IMAGE_BASE + 0x2000, DATA_BYTES.length)).isEqualTo(DATA_BYTES);
        assertThat(mem.read(IMAGE_BASE + 0x2000 + DATA_BYTES.length, 0x1800 - DATA_BYTES.length))
                .as(".data's BSS tail").containsOnly(0);
        assertThat(mem.read(IMAGE_BASE + 0x4000, SBAT.length)).isEqualTo(SBAT);
        assertThat(mem.read(IMAGE_BASE + 0x5000, 0x2000)).as(".bss").containsOnly(0);
        assertThat(mem.read(IMAGE_BASE + 0x8000, 0x1000)).as("after the image").containsOnly(0xcc);
    }

    @Test
    void relocationsRoundTripThroughBaseRelocations() {
        byte[] f = sample().build();
        PeImage pe = PeParser.parse(f);
        assertThat(BaseRelocations.parse(pe, f)).containsExactly(
                new BaseRelocation(IMAGE_REL_BASED_DIR64, 0x2000, 0x1c00),
                new BaseRelocation(IMAGE_REL_BASED_DIR64, 0x2008, 0x1c00),
                new BaseRelocation(IMAGE_REL_BASED_HIGHLOW, 0x2010, 0x1c00),
                new BaseRelocation(IMAGE_REL_BASED_DIR64, 0x3018, 0x1c10));
        // the table itself: a block a page, each padded with an ABSOLUTE entry to a multiple of 4
        ByteBuffer t = le(f).position(0x1c00).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new int[] {t.getInt(0), t.getInt(4)}).containsExactly(0x2000, 16);
        assertThat(new short[] {t.getShort(8), t.getShort(10), t.getShort(12), t.getShort(14)})
                .containsExactly((short) 0xa000, (short) 0xa008, (short) 0x3010, (short) 0);
        assertThat(new int[] {t.getInt(16), t.getInt(20)}).containsExactly(0x3000, 12);
        assertThat(new short[] {t.getShort(24), t.getShort(26)}).containsExactly((short) 0xa018, (short) 0);

        long at = IMAGE_BASE + 0x10_0000L;
        long delta = at - IMAGE_BASE;
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(at, 0x8000);
        LoadedImage loaded = pe.load(f, mem, at);
        assertThat(loaded.relocationsApplied()).isEqualTo(4);
        assertThat(mem.readU64(at + 0x2000)).isEqualTo(IMAGE_BASE + 0x1000 + delta);
        assertThat(mem.readU64(at + 0x2008)).isEqualTo(IMAGE_BASE + 0x4000 + delta);
        assertThat(mem.readU32(at + 0x2010)).isEqualTo((IMAGE_BASE + 0x1010 + delta) & 0xffffffffL);
        assertThat(mem.readU64(at + 0x3018)).isEqualTo(IMAGE_BASE + 0x5000 + delta);
        assertThat(mem.read(at + 0x2018, 0x1000)).isEqualTo(Arrays.copyOfRange(DATA_BYTES, 0x18, 0x1018));
    }

    @Test
    void withoutRelocationsThereIsNoRelocSectionAndTheImageStillLoadsAnywhere() {
        byte[] f = minimal().build();
        PeImage pe = PeParser.parse(f);
        assertThat(pe.sections()).extracting(PeSection::name).containsExactly(".text");
        assertThat(pe.baseRelocationDirectory()).isEqualTo(DataDirectory.EMPTY);
        assertThat(pe.relocationsStripped()).isFalse();
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(0x4000_0000L, 0x2000);
        assertThat(pe.load(f, mem, 0x4000_0000L).relocationsApplied()).isZero();
        assertThat(mem.read(0x4000_1000L, 4)).isEqualTo(new byte[] {1, 2, 3, 4});
    }

    @Test
    void checksumFieldIsThePeChecksum() {
        byte[] f = sample().build();
        long field = le(f).getInt(PeWriter.CHECKSUM_OFFSET) & 0xffffffffL;
        assertThat(field).isEqualTo(PeParser.parse(f).checksum()).isNotZero();
        assertThat(field).isEqualTo(pefileChecksum(f, PeWriter.CHECKSUM_OFFSET));
        assertThat(PeWriter.checksum(f, PeWriter.CHECKSUM_OFFSET)).isEqualTo(field);
        byte[] x86 = new PeWriter().machine(0x8664).entryPoint(0x1000).section(".text", CODE, new byte[] {(byte) 0xc3}).build();
        assertThat(le(x86).getInt(PeWriter.CHECKSUM_OFFSET) & 0xffffffffL).isEqualTo(pefileChecksum(x86, PeWriter.CHECKSUM_OFFSET));

        byte[] changed = f.clone();
        changed[0x1000] ^= 1; // a .data byte
        assertThat(PeWriter.checksum(changed, PeWriter.CHECKSUM_OFFSET)).isNotEqualTo(field);
    }

    @Test
    void checksumGivesWhatPefileGives() {
        // values printed by pefile 2023.2.7's PE.generate_checksum (what ukify calls) for these bytes
        byte[] odd = pattern(1001, i -> i * 31 + 7); // odd length, and the field's bytes are not 0
        assertThat(PeWriter.checksum(odd, 0x98)).isEqualTo(0xc072);
        assertThat(pefileChecksum(odd, 0x98)).isEqualTo(0xc072);
        byte[] ones = pattern(0x10000, i -> 0xff); // every addition carries
        assertThat(PeWriter.checksum(ones, 0xd8)).isEqualTo(0x1ffff);
        assertThatThrownBy(() -> PeWriter.checksum(new byte[8], 6)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * pefile's generate_checksum, written out another way than PeWriter's: 32-bit words (the last
     * one padded with zeros), the word holding the field skipped, carries folded back into 32
     * bits, then the sum folded to 16 bits, plus the file's length.
     */
    private static long pefileChecksum(byte[] f, int checksumOffset) {
        byte[] padded = Arrays.copyOf(f, (f.length + 3) / 4 * 4);
        ByteBuffer b = le(padded);
        long sum = 0;
        for (int i = 0; i < padded.length / 4; i++) {
            if (i == checksumOffset / 4) continue;
            sum += b.getInt(4 * i) & 0xffffffffL;
            if (sum >= 1L << 32) sum = (sum & 0xffffffffL) + (sum >>> 32);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = sum + (sum >>> 16);
        return (sum & 0xffff) + f.length;
    }

    @Test
    void sameInputGivesTheSameBytes() {
        PeWriter w = sample();
        byte[] first = w.build();
        assertThat(w.build()).isEqualTo(first);
        assertThat(sample().build()).isEqualTo(first);

        // relocations in another order, and an input array changed after it was added
        byte[] text = TEXT.clone();
        PeWriter other = sections(text)
                .relocation(IMAGE_REL_BASED_DIR64, 0x2008)
                .relocation(IMAGE_REL_BASED_DIR64, 0x2000)
                .relocation(IMAGE_REL_BASED_DIR64, 0x3018)
                .relocation(IMAGE_REL_BASED_HIGHLOW, 0x2010);
        text[0] ^= 0x55;
        assertThat(other.build()).isEqualTo(first);
    }

    @Test
    void pinnedSectionKeepsItsRvaAndEqualAlignmentsWork() {
        byte[] f = new PeWriter().machine(0x8664).imageBase(0x4000_0000L).sectionAlignment(0x1000).fileAlignment(0x1000)
                .entryPoint(0x1000)
                .section(".text", CODE, new byte[] {(byte) 0xc3})
                .sectionAt(0x6000, ".linux", RODATA, new byte[0x1001], 0x1001)
                .section(".initrd", RODATA, new byte[] {7})
                .build();
        PeImage pe = PeParser.parse(f);
        assertThat(pe.arch()).isEqualTo("x86_64");
        assertThat(pe.sizeOfHeaders()).isEqualTo(0x1000);
        assertThat(pe.sections()).containsExactly(
                new PeSection(".text", 0x1000, 1, 0x1000, 0x1000, CODE),
                new PeSection(".linux", 0x6000, 0x1001, 0x2000, 0x2000, RODATA),
                new PeSection(".initrd", 0x8000, 1, 0x4000, 0x1000, RODATA));
        assertThat(pe.sizeOfImage()).isEqualTo(0x9000);
        assertThat(f).hasSize(0x5000);
    }

    static Stream<Arguments> inconsistentInput() {
        return Stream.of(
                refused("no machine", () -> new PeWriter().entryPoint(0x1000).section(".text", CODE, new byte[4]).build(),
                        "Machine is not set"),
                refused("machine 0", () -> new PeWriter().machine(0), "IMAGE_FILE_MACHINE_UNKNOWN"),
                refused("machine beyond 16 bits", () -> new PeWriter().machine(0x1aa64), "Machine 0x1aa64 does not fit in 16 bits"),
                refused("no entry point", () -> new PeWriter().machine(0xaa64).section(".text", CODE, new byte[4]).build(),
                        "AddressOfEntryPoint is not set"),
                refused("no section", () -> new PeWriter().machine(0xaa64).entryPoint(0x1000).build(), "at least one section"),
                refused("entry point in data", () -> minimal().entryPoint(0x2000).section(".data", DATA, new byte[4]).build(),
                        "AddressOfEntryPoint 0x2000 is not inside the bytes of an executable"),
                refused("entry point in the BSS tail of code", () -> new PeWriter().machine(0xaa64).entryPoint(0x1800)
                        .section(".text", CODE, new byte[0x10], 0x1000).build(), "AddressOfEntryPoint 0x1800"),
                refused("entry point outside the image", () -> minimal().entryPoint(0x9000).build(), "AddressOfEntryPoint 0x9000"),
                refused("entry point beyond 32 bits", () -> minimal().entryPoint(1L << 32), "does not fit in 32 bits"),
                refused("file alignment not a power of two", () -> minimal().fileAlignment(0x300), "FileAlignment 0x300 is not a power of two"),
                refused("file alignment below 0x200", () -> minimal().fileAlignment(0x100).sectionAlignment(0x100).build(),
                        "FileAlignment 0x100 is not from 0x200 to 0x10000"),
                refused("file alignment above 64 KiB", () -> minimal().fileAlignment(0x20000).sectionAlignment(0x20000).build(),
                        "FileAlignment 0x20000 is not from 0x200 to 0x10000"),
                refused("section alignment below file alignment", () -> minimal().fileAlignment(0x1000).sectionAlignment(0x200).build(),
                        "SectionAlignment 0x200 is smaller than FileAlignment 0x1000"),
                refused("image base not 64 KiB aligned", () -> minimal().imageBase(0x1000_1000L), "not a multiple of 64 KiB"),
                refused("image past the end of the address space", () -> minimal().imageBase(0xffff_ffff_ffff_0000L)
                        .section(".bss", BSS, new byte[0], 0x10000).build(),
                        "passes the end of the address space"),
                refused("image version beyond 16 bits", () -> minimal().imageVersion(1, 0x10000), "MinorImageVersion"),
                refused("DllCharacteristics beyond 16 bits", () -> minimal().dllCharacteristics(-1), "DllCharacteristics"),
                refused("not an executable", () -> minimal().characteristics(0x0204).build(), "lacks IMAGE_FILE_EXECUTABLE_IMAGE"),
                refused("relocations stripped, yet relocations", () -> minimal().characteristics(0x0207)
                        .relocation(IMAGE_REL_BASED_HIGHLOW, 0x1000).build(), "IMAGE_FILE_RELOCS_STRIPPED"),
                refused("empty section name", () -> minimal().section("", DATA, new byte[4]), "section name \"\""),
                refused("section name over 8 bytes", () -> minimal().section(".longname", DATA, new byte[4]), "1 to 8 printable ASCII"),
                refused("section name not ASCII", () -> minimal().section(".dätä", DATA, new byte[4]), "1 to 8 printable ASCII"),
                refused("section name with a space", () -> minimal().section(".a b", DATA, new byte[4]), "1 to 8 printable ASCII"),
                refused("a .reloc section of the caller's", () -> minimal().section(".reloc", DATA, new byte[4]), "written from relocation"),
                refused("object-file alignment bits", () -> minimal().section(".data", DATA | 0x00500000, new byte[4]), "IMAGE_SCN_ALIGN_"),
                refused("virtual size below the bytes", () -> minimal().section(".data", DATA, new byte[0x20], 0x10),
                        "VirtualSize 0x10 is smaller than its 0x20 bytes"),
                refused("empty section", () -> minimal().section(".bss", BSS, new byte[0], 0), "is empty"),
                refused("virtual size beyond 32 bits", () -> minimal().section(".bss", BSS, new byte[0], 1L << 32), "VirtualSize"),
                refused("relocation type HIGH", () -> minimal().relocation(1, 0x1000), "relocation type 1 (HIGH)"),
                refused("relocation added twice", () -> minimal().relocation(IMAGE_REL_BASED_HIGHLOW, 0x1000)
                        .relocation(IMAGE_REL_BASED_DIR64, 0x1000), "relocation site 0x1000 added twice"),
                refused("overlapping relocations", () -> minimal().section(".data", DATA, new byte[16])
                        .relocation(IMAGE_REL_BASED_DIR64, 0x2000).relocation(IMAGE_REL_BASED_HIGHLOW, 0x2004).build(),
                        "relocation sites 0x2000 and 0x2004 overlap"),
                refused("relocation in a BSS tail", () -> minimal().section(".data", DATA, new byte[8], 0x100)
                        .relocation(IMAGE_REL_BASED_DIR64, 0x2010).build(), "DIR64 relocation site 0x2010..0x2018 is not inside"),
                refused("relocation across the end of the bytes", () -> minimal().section(".data", DATA, new byte[8])
                        .relocation(IMAGE_REL_BASED_DIR64, 0x2004).build(), "0x2004..0x200c is not inside"),
                refused("relocation between sections", () -> minimal().relocation(IMAGE_REL_BASED_HIGHLOW, 0x1800).build(),
                        "HIGHLOW relocation site 0x1800..0x1804"),
                refused("pinned section not aligned", () -> minimal().sectionAt(0x2100, ".data", DATA, new byte[4], 4).build(),
                        "VirtualAddress 0x2100 is not a multiple of SectionAlignment 0x1000"),
                refused("pinned section over the one before", () -> new PeWriter().machine(0xaa64).entryPoint(0x1000)
                        .section(".text", CODE, new byte[4], 0x1800).sectionAt(0x2000, ".data", DATA, new byte[4], 4).build(),
                        "VirtualAddress 0x2000 is before 0x3000, the end of section .text"),
                refused("pinned section over the headers", () -> new PeWriter().machine(0xaa64).entryPoint(0x1000)
                        .sectionAt(0, ".text", CODE, new byte[4], 4).build(), "the end of the headers"),
                refused("more than 96 sections", PeWriterTest::tooManySections, "97 sections"));
    }

    private static byte[] tooManySections() {
        PeWriter w = minimal();
        for (int i = 0; i < 96; i++) w.section(".s" + i, DATA, new byte[1]);
        return w.build();
    }

    private static Arguments refused(String what, Supplier<?> input, String message) {
        return Arguments.of(what, (ThrowingCallable) input::get, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inconsistentInput")
    void refusesInconsistentInput(String what, ThrowingCallable input, String message) {
        assertThatThrownBy(input).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
