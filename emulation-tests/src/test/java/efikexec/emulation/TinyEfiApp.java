package efikexec.emulation;

import efikexec.pe.write.PeWriter;

/**
 * A small real arm64 EFI application as bytes, written by pe-loader's {@link PeWriter}: COFF
 * header for aarch64 (0xaa64), PE32+ optional header (subsystem 10 = EFI application,
 * SectionAlignment = FileAlignment = 0x1000, 16 empty data directories: no relocations, the code
 * is position independent) and one .text section holding the given code, whose first byte is the
 * entry point. The section is also writable: the programs keep their variables in it.
 */
final class TinyEfiApp {
    static final int MACHINE_AARCH64 = 0xaa64;
    static final int ALIGNMENT = 0x1000;
    static final int TEXT_RVA = 0x1000;
    static final long IMAGE_BASE = 0x1000_0000L;

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
        return new PeWriter().machine(MACHINE_AARCH64).imageBase(IMAGE_BASE).sectionAlignment(ALIGNMENT)
                .fileAlignment(ALIGNMENT).entryPoint(TEXT_RVA).section(".text", TEXT_FLAGS, code, roundUp(code.length))
                .build();
    }
}
