package efikexec.purgatory.bundle;

/** The architectures a bundle is made for, by the names efikexec uses and their ELF e_machine. */
public enum TargetArch {
    AARCH64("aarch64", 183), // EM_AARCH64
    X86_64("x86_64", 62); // EM_X86_64

    private final String archName;
    private final int elfMachine;

    TargetArch(String archName, int elfMachine) {
        this.archName = archName;
        this.elfMachine = elfMachine;
    }

    /** "aarch64" or "x86_64", as in run reports and the snapshot. */
    public String archName() {
        return archName;
    }

    public int elfMachine() {
        return elfMachine;
    }

    public static TargetArch fromName(String name) {
        for (TargetArch a : values()) {
            if (a.archName.equals(name)) return a;
        }
        throw new IllegalArgumentException("no handoff bundle for architecture " + name);
    }
}
