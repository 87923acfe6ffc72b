package efikexec.emulator.cpu;

import efikexec.bootservices.call.FirmwareCode;

/**
 * x86_64 code the firmware places in guest memory. Traps are {@code int3; ret}: int3 arrives
 * in the interrupt hook as vector 3 with RIP already past it (EFI-NOTES "x86_64").
 */
public final class X64Cpu implements FirmwareCode {
    private static final byte INT3 = (byte) 0xCC;
    private static final byte RET = (byte) 0xC3;

    @Override
    public int thunkSize() {
        return 8;
    }

    @Override
    public byte[] trapThunk(int index) {
        return new byte[] {INT3, RET, INT3, INT3, INT3, INT3, INT3, INT3};
    }

    /** push 7; pop rax; ror rax, 1 (= 0x8000000000000003, EFI_UNSUPPORTED); ret */
    @Override
    public byte[] returnUnsupported() {
        return new byte[] {0x6A, 0x07, 0x58, 0x48, (byte) 0xD1, (byte) 0xC8, RET, INT3};
    }

    @Override
    public String architecture() {
        return "x86_64";
    }

    static boolean isInt3(int b) {
        return (b & 0xff) == 0xCC;
    }
}
