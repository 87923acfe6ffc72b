package efikexec.emulator.cpu;

import efikexec.bootservices.call.FirmwareCode;

/**
 * arm64 code the firmware places in guest memory. Traps are {@code svc #n; ret}: svc arrives
 * in the interrupt hook with the PC already past it, and hvc would be undefined at EL1 on a
 * CPU without EL2 (EFI-NOTES "arm64").
 */
public final class Aarch64Cpu implements FirmwareCode {
    static final int RET = 0xD65F03C0;
    /** orr x0, xzr, #0x8000000000000003 (EFI_UNSUPPORTED) */
    static final int MOV_X0_UNSUPPORTED = 0xB2410BE0;
    /** PSTATE at entry: EL1h, DAIF masked, as firmware hands over. */
    public static final long PSTATE_EL1H = 0x3c5;
    /** CPACR_EL1.FPEN = 0b11: the stub uses FP/SIMD registers. */
    public static final long CPACR_FPEN = 3L << 20;

    static int svc(int n) {
        return 0xD4000001 | (n << 5);
    }

    @Override
    public int thunkSize() {
        return 8;
    }

    @Override
    public byte[] trapThunk(int index) {
        if (index > 0xffff) throw new IllegalArgumentException("svc immediate out of range: " + index);
        return words(svc(index), RET);
    }

    @Override
    public byte[] returnUnsupported() {
        return words(MOV_X0_UNSUPPORTED, RET);
    }

    @Override
    public String architecture() {
        return "aarch64";
    }


    public static boolean isSvc(int insn) {
        return (insn & 0xFFE0001F) == 0xD4000001;
    }

    static byte[] words(int... w) {
        byte[] b = new byte[w.length * 4];
        for (int i = 0; i < w.length; i++) {
            for (int k = 0; k < 4; k++) b[4 * i + k] = (byte) (w[i] >>> (8 * k));
        }
        return b;
    }
}
