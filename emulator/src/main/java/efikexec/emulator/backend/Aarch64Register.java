package efikexec.emulator.backend;

/** The arm64 registers the emulator reads and writes; engines map them to their own ids. */
public enum Aarch64Register implements Register {
    X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
    X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30,
    SP, PC, PSTATE, NZCV, CPACR_EL1, VBAR_EL1, ESR_EL1, FAR_EL1, ELR_EL1, SP_EL0, SP_EL1;

    private static final Aarch64Register[] X = {X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12,
        X13, X14, X15, X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30};

    public static Aarch64Register x(int n) {
        return X[n];
    }

    /** The registers a register dump shows, in order. */
    public static final java.util.List<Aarch64Register> DUMP = java.util.List.of(X0, X1, X2, X3, X4, X5, X6, X7,
        X8, X9, X10, X11, X12, X13, X14, X15, X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28,
        X29, X30, SP, PC, PSTATE);

    @Override
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
