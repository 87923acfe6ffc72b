package efikexec.bootservices.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The smallest PE32+ EFI application the loader accepts: DOS header with e_lfanew, "PE\0\0",
 * a COFF header for aarch64 (0xaa64), a PE32+ optional header (magic 0x20b, subsystem 10, 16
 * empty data directories: no relocations, none needed) and one .text section. The section's
 * file data is 0x200 bytes of nop + ret; its VirtualSize runs one page further, a zero-filled
 * tail the test payload uses for its globals (as a real app uses its .bss).
 *
 * <p>Written after pe-loader's test SyntheticPe, which boot-services tests cannot depend on.
 */
public final class SyntheticEfiApp {
    public static final int MACHINE_AARCH64 = 0xaa64;
    public static final int MACHINE_X86_64 = 0x8664;
    public static final int FILE_SIZE = 0x400;
    public static final long SIZE_OF_HEADERS = 0x200;
    public static final long TEXT_RVA = 0x1000;
    public static final long TEXT_RAW = 0x200;
    public static final long TEXT_RAW_SIZE = 0x200;
    public static final long TEXT_VIRTUAL_SIZE = 0x2000;
    /** Zero-filled tail of .text: where the test payload keeps its first variables. */
    public static final long GLOBALS_RVA = TEXT_RVA + 0x1000;
    public static final long SIZE_OF_IMAGE = TEXT_RVA + TEXT_VIRTUAL_SIZE;
    public static final long IMAGE_BASE = 0x1000_0000L;

    private static final int PE_OFFSET = 0x80;
    private static final int OPT_SIZE = 112 + 16 * 8;
    private static final int NOP = 0xd503201f;
    private static final int RET = 0xd65f03c0;

    private SyntheticEfiApp() {
    }

    public static byte[] aarch64() {
        return build(MACHINE_AARCH64);
    }

    public static byte[] build(int machine) {
        ByteBuffer b = ByteBuffer.allocate(FILE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, PE_OFFSET); // e_lfanew
        b.put(PE_OFFSET, (byte) 'P').put(PE_OFFSET + 1, (byte) 'E'); // then 00 00

        int coff = PE_OFFSET + 4;
        b.putShort(coff, (short) machine);
        b.putShort(coff + 2, (short) 1); // NumberOfSections
        b.putShort(coff + 16, (short) OPT_SIZE); // SizeOfOptionalHeader
        b.putShort(coff + 18, (short) 0x0206); // executable, line numbers stripped, large address aware

        int opt = coff + 20;
        b.putShort(opt, (short) 0x20b); // PE32+
        b.putInt(opt + 4, (int) TEXT_RAW_SIZE); // SizeOfCode
        b.putInt(opt + 16, (int) TEXT_RVA); // AddressOfEntryPoint
        b.putInt(opt + 20, (int) TEXT_RVA); // BaseOfCode
        b.putLong(opt + 24, IMAGE_BASE);
        b.putInt(opt + 32, 0x1000); // SectionAlignment
        b.putInt(opt + 36, 0x200); // FileAlignment
        b.putInt(opt + 56, (int) SIZE_OF_IMAGE);
        b.putInt(opt + 60, (int) SIZE_OF_HEADERS);
        b.putShort(opt + 68, (short) 10); // Subsystem: EFI application
        b.putInt(opt + 108, 16); // NumberOfRvaAndSizes, all empty

        int sh = opt + OPT_SIZE;
        b.put(sh, ".text".getBytes(StandardCharsets.US_ASCII));
        b.putInt(sh + 8, (int) TEXT_VIRTUAL_SIZE);
        b.putInt(sh + 12, (int) TEXT_RVA);
        b.putInt(sh + 16, (int) TEXT_RAW_SIZE);
        b.putInt(sh + 20, (int) TEXT_RAW);
        b.putInt(sh + 36, 0x60000020); // code, execute, read

        for (int i = 0; i < TEXT_RAW_SIZE - 4; i += 4) b.putInt((int) TEXT_RAW + i, NOP);
        b.putInt((int) (TEXT_RAW + TEXT_RAW_SIZE - 4), RET);
        return b.array();
    }
}
