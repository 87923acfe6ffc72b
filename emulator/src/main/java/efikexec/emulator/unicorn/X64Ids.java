package efikexec.emulator.unicorn;

import efikexec.emulator.backend.X64Register;

/** Unicorn 2.1's uc_x86_reg values (include/unicorn/x86.h, printed by a C program against it). */
final class X64Ids {
    private X64Ids() {
    }

    static final int GDTR = 243;
    static final int IDTR = 242;
    static final int MSR = 248;
    static final int INS_CPUID = 113;

    static int of(X64Register r) {
        return switch (r) {
            case RAX -> 35;
            case RBX -> 37;
            case RCX -> 38;
            case RDX -> 40;
            case RSI -> 43;
            case RDI -> 39;
            case RBP -> 36;
            case RSP -> 44;
            case R8 -> 106;
            case R9 -> 107;
            case R10 -> 108;
            case R11 -> 109;
            case R12 -> 110;
            case R13 -> 111;
            case R14 -> 112;
            case R15 -> 113;
            case RIP -> 41;
            case EFLAGS -> 25;
            case CS -> 11;
            case DS -> 17;
            case ES -> 28;
            case SS -> 49;
            case FS -> 32;
            case GS -> 33;
            case CR0 -> 50;
            case CR3 -> 53;
            case CR4 -> 54;
        };
    }
}
