package efikexec.emulator.unicorn;

import efikexec.emulator.backend.Aarch64Register;

/** Unicorn 2.1's uc_arm64_reg values (include/unicorn/arm64.h). */
final class Aarch64Ids {
    private Aarch64Ids() {
    }

    static int of(Aarch64Register r) {
        int o = r.ordinal();
        if (o <= Aarch64Register.X28.ordinal()) return 199 + o;
        return switch (r) {
            case X29 -> 1;
            case X30 -> 2;
            case NZCV -> 3;
            case SP -> 4;
            case PC -> 260;
            case CPACR_EL1 -> 261;
            case PSTATE -> 265;
            case ELR_EL1 -> 267;
            case SP_EL0 -> 270;
            case SP_EL1 -> 271;
            case ESR_EL1 -> 277;
            case FAR_EL1 -> 281;
            case VBAR_EL1 -> 287;
            default -> throw new IllegalArgumentException(r.name());
        };
    }
}
