package efikexec.bootservices.testing;

import efikexec.pe.write.PeWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The smallest PE32+ EFI application the loader accepts, written by pe-loader's {@link PeWriter}:
 * a COFF header for aarch64 (0xaa64), a PE32+ optional header (subsystem 10, 16 empty data
 * directories: no relocations, none needed) and one .text section. The section's file data is
 * 0x200 bytes of nop + ret; its VirtualSize runs one page further, a zero-filled tail the test
 * payload uses for its globals (as a real app uses its .bss).
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

    /** CNT_CODE | MEM_EXECUTE | MEM_READ. */
    private static final int TEXT_FLAGS = 0x60000020;
    private static final int NOP = 0xd503201f;
    private static final int RET = 0xd65f03c0;

    private SyntheticEfiApp() {
    }

    public static byte[] aarch64() {
        return build(MACHINE_AARCH64);
    }

    public static byte[] build(int machine) {
        ByteBuffer text = ByteBuffer.allocate((int) TEXT_RAW_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < TEXT_RAW_SIZE - 4; i += 4) text.putInt(i, NOP);
        text.putInt((int) TEXT_RAW_SIZE - 4, RET);
        return new PeWriter().machine(machine).imageBase(IMAGE_BASE).sectionAlignment(0x1000).fileAlignment(0x200)
                .entryPoint(TEXT_RVA).section(".text", TEXT_FLAGS, text.array(), TEXT_VIRTUAL_SIZE).build();
    }
}
