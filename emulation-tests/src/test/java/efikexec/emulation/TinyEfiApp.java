package efikexec.emulation;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A small real arm64 EFI application as bytes: DOS header with e_lfanew, "PE\0\0", COFF header
 * for aarch64 (0xaa64), PE32+ optional header (magic 0x20b, subsystem 10 = EFI application,
 * SectionAlignment = FileAlignment = 0x1000, 16 empty data directories: no relocations, the code
 * is position independent) and one .text section holding the given code, whose first byte is the
 * entry point. The section is also writable: the programs keep their variables in it.
 *
 * <p>After boot-services' test SyntheticEfiApp, which this module cannot depend on.
 */
final class TinyEfiApp {
    static final int MACHINE_AARCH64 = 0xaa64;
    static final int ALIGNMENT = 0x1000;
    static final int TEXT_RVA = 0x1000;
    static final long IMAGE_BASE = 0x1000_0000L;

    private static final int PE_OFFSET = 0x80;
    private static final int OPT_SIZE = 112 + 16 * 8;
    /** CNT_CODE | CNT_INITIALIZED_DATA | MEM_EXECUTE | MEM_READ | MEM_WRITE. */
    private static final int TEXT_FLAGS = 0x00000020 | 0x00000040 | 0x20000000 | 0x40000000 | 0x80000000;

    private TinyEfiApp() {
    }

    /** SizeOfImage of the image {@link #build} makes for {@code codeLength} bytes of code. */
    static long sizeOfImage(int codeLength) {
        return TEXT_RVA + roundUp(codeLength);
    }

    private static int roundUp(int n) {
        return Math.max(ALIGNMENT, (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
    }

    static byte[] build(byte[] code) {
        int raw = roundUp(code.length);
        int fileSize = ALIGNMENT + raw;
        ByteBuffer b = ByteBuffer.allocate(fileSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, PE_OFFSET); // e_lfanew
        b.put(PE_OFFSET, (byte) 'P').put(PE_OFFSET + 1, (byte) 'E'); // then 00 00

        int coff = PE_OFFSET + 4;
        b.putShort(coff, (short) MACHINE_AARCH64);
        b.putShort(coff + 2, (short) 1); // NumberOfSections
        b.putShort(coff + 16, (short) OPT_SIZE); // SizeOfOptionalHeader
        b.putShort(coff + 18, (short) 0x0206); // executable, line numbers stripped, large address aware

        int opt = coff + 20;
        b.putShort(opt, (short) 0x20b); // PE32+
        b.putInt(opt + 4, raw); // SizeOfCode
        b.putInt(opt + 16, TEXT_RVA); // AddressOfEntryPoint
        b.putInt(opt + 20, TEXT_RVA); // BaseOfCode
        b.putLong(opt + 24, IMAGE_BASE);
        b.putInt(opt + 32, ALIGNMENT); // SectionAlignment
        b.putInt(opt + 36, ALIGNMENT); // FileAlignment
        b.putInt(opt + 56, (int) sizeOfImage(code.length)); // SizeOfImage
        b.putInt(opt + 60, ALIGNMENT); // SizeOfHeaders
        b.putShort(opt + 68, (short) 10); // Subsystem: EFI application
        b.putInt(opt + 108, 16); // NumberOfRvaAndSizes, all empty

        int sh = opt + OPT_SIZE;
        b.put(sh, ".text".getBytes(StandardCharsets.US_ASCII));
        b.putInt(sh + 8, raw); // VirtualSize
        b.putInt(sh + 12, TEXT_RVA); // VirtualAddress
        b.putInt(sh + 16, raw); // SizeOfRawData
        b.putInt(sh + 20, ALIGNMENT); // PointerToRawData
        b.putInt(sh + 36, TEXT_FLAGS);

        b.put(ALIGNMENT, code);
        return b.array();
    }
}
