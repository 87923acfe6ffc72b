package efikexec.pe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds a small, valid PE32+ image for tests: three sections (.text, .data with a BSS tail,
 * .reloc) and a relocation table with DIR64 and HIGHLOW sites in .data. Optionally with an arm64
 * Image header in front (code0 = "MZ", code1 = b to .text, PE header at 0x40), as Linux has.
 */
public final class SyntheticPe {
    public static final long FILE_SIZE = 0x800;
    public static final long SIZE_OF_IMAGE = 0x5000;
    public static final long SIZE_OF_HEADERS = 0x200;
    public static final long TEXT_RVA = 0x1000, DATA_RVA = 0x2000, RELOC_RVA = 0x4000;
    public static final long TEXT_RAW = 0x200, DATA_RAW = 0x400, RELOC_RAW = 0x600;
    public static final long DATA_VSIZE = 0x1800;
    /** .data + 0: u64 pointer to .text (DIR64); + 8: u64 pointer to .data+0x10 (DIR64); + 0x10: u32 (HIGHLOW). */
    public static final long DIR64_SITE_1 = DATA_RVA, DIR64_SITE_2 = DATA_RVA + 8, HIGHLOW_SITE = DATA_RVA + 0x10;
    public static final int OPT_SIZE = 112 + 16 * 8;

    private int machine = 0xaa64;
    private int magic = 0x20b;
    private long imageBase = 0x1000_0000L;
    private boolean arm64Header;
    private byte[] relocTable = defaultRelocTable();
    private int characteristics = 0x0206;

    public static byte[] defaultRelocTable() {
        ByteBuffer b = le(16);
        b.putInt((int) DATA_RVA).putInt(16);
        b.putShort((short) (10 << 12 | 0x000)).putShort((short) (10 << 12 | 0x008));
        b.putShort((short) (3 << 12 | 0x010)).putShort((short) 0); // ABSOLUTE padding
        return b.array();
    }

    public SyntheticPe machine(int m) {
        this.machine = m;
        return this;
    }

    public SyntheticPe magic(int m) {
        this.magic = m;
        return this;
    }

    public SyntheticPe imageBase(long base) {
        this.imageBase = base;
        return this;
    }

    public SyntheticPe characteristics(int c) {
        this.characteristics = c;
        return this;
    }

    /** Puts the arm64 Image header in the first 64 bytes (PE header at 0x40). */
    public SyntheticPe arm64Header() {
        this.arm64Header = true;
        return this;
    }

    public SyntheticPe relocTable(byte[] table) {
        if (table.length > 0x200) throw new IllegalArgumentException("reloc table too big");
        this.relocTable = table.clone();
        return this;
    }

    public long peOffset() {
        return arm64Header ? 0x40 : 0x80;
    }

    public long optOffset() {
        return peOffset() + 24;
    }

    public long sectionHeader(int i) {
        return optOffset() + OPT_SIZE + 40L * i;
    }

    public long dataDirectory(int i) {
        return optOffset() + 112 + 8L * i;
    }

    public byte[] build() {
        ByteBuffer b = le((int) FILE_SIZE);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, (int) peOffset());
        if (arm64Header) {
            b.putInt(0, 0xfa405a4d); // ccmp x18, #0, #0xd, pl: "MZ"
            b.putInt(4, 0x14000000 | (int) ((TEXT_RVA - 4) / 4)); // b .text
            b.putLong(8, 0); // text_offset
            b.putLong(16, SIZE_OF_IMAGE); // image_size
            b.putLong(24, 0xa); // LE, 4K pages, anywhere
            b.putInt(0x38, 0x644d5241);
        }
        int pe = (int) peOffset();
        b.put(pe, (byte) 'P').put(pe + 1, (byte) 'E');
        b.putShort(pe + 4, (short) machine);
        b.putShort(pe + 6, (short) 3);
        b.putShort(pe + 20, (short) OPT_SIZE);
        b.putShort(pe + 22, (short) characteristics);
        int opt = (int) optOffset();
        b.putShort(opt, (short) magic);
        b.putInt(opt + 4, 0x200); // SizeOfCode
        b.putInt(opt + 16, (int) TEXT_RVA); // AddressOfEntryPoint
        b.putInt(opt + 20, (int) TEXT_RVA); // BaseOfCode
        b.putLong(opt + 24, imageBase);
        b.putInt(opt + 32, 0x1000);
        b.putInt(opt + 36, 0x200);
        b.putShort(opt + 44, (short) 1); // MajorImageVersion
        b.putShort(opt + 46, (short) 1); // MinorImageVersion
        b.putInt(opt + 56, (int) SIZE_OF_IMAGE);
        b.putInt(opt + 60, (int) SIZE_OF_HEADERS);
        b.putInt(opt + 64, 0x1234); // CheckSum
        b.putShort(opt + 68, (short) 10); // EFI application
        b.putShort(opt + 70, (short) 0x100); // NX compatible
        b.putInt(opt + 108, 16);
        b.putInt((int) dataDirectory(5), (int) RELOC_RVA).putInt((int) dataDirectory(5) + 4, relocTable.length);

        section(b, 0, ".text", TEXT_RVA, 0x100, TEXT_RAW, 0x200, 0x60000020);
        section(b, 1, ".data", DATA_RVA, DATA_VSIZE, DATA_RAW, 0x200, 0xc0000040);
        section(b, 2, ".reloc", RELOC_RVA, Math.max(relocTable.length, 1), RELOC_RAW, 0x200, 0x42000040);

        for (int i = 0; i < 0x200; i += 4) b.putInt((int) TEXT_RAW + i, 0xd503201f); // nop
        for (int i = 0; i < 0x200; i++) b.put((int) DATA_RAW + i, (byte) (0xa5 ^ i));
        b.putLong((int) DATA_RAW, imageBase + TEXT_RVA);
        b.putLong((int) DATA_RAW + 8, imageBase + DATA_RVA + 0x10);
        b.putInt((int) DATA_RAW + 0x10, (int) (imageBase + TEXT_RVA + 0x10));
        b.put((int) RELOC_RAW, relocTable);
        return b.array();
    }

    private void section(ByteBuffer b, int i, String name, long va, long vsize, long raw, long rawSize, int ch) {
        int h = (int) sectionHeader(i);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        b.put(h, n);
        b.putInt(h + 8, (int) vsize);
        b.putInt(h + 12, (int) va);
        b.putInt(h + 16, (int) rawSize);
        b.putInt(h + 20, (int) raw);
        b.putInt(h + 36, ch);
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static void putU16(byte[] f, long off, int v) {
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putShort((int) off, (short) v);
    }

    public static void putU32(byte[] f, long off, long v) {
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt((int) off, (int) v);
    }

    public static void putU64(byte[] f, long off, long v) {
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong((int) off, v);
    }
}
