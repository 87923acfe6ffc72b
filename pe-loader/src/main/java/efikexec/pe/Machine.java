package efikexec.pe;

import java.util.Map;

/** PE machine types: the two efikexec runs, and names for the others (for error messages). */
public enum Machine {
    AARCH64(0xaa64, "aarch64"),
    X86_64(0x8664, "x86_64");

    public static final int IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
    public static final int IMAGE_FILE_MACHINE_AMD64 = 0x8664;

    private static final Map<Integer, String> OTHERS = Map.ofEntries(
            Map.entry(0x0000, "unknown"),
            Map.entry(0x014c, "i386"),
            Map.entry(0x0166, "MIPS R4000"),
            Map.entry(0x01c0, "ARM"),
            Map.entry(0x01c2, "ARM Thumb"),
            Map.entry(0x01c4, "ARMv7 Thumb-2"),
            Map.entry(0x01f0, "PowerPC"),
            Map.entry(0x0200, "IA-64"),
            Map.entry(0x0ebc, "EFI byte code"),
            Map.entry(0x5032, "RISC-V 32"),
            Map.entry(0x5064, "RISC-V 64"),
            Map.entry(0x5128, "RISC-V 128"),
            Map.entry(0x6232, "LoongArch32"),
            Map.entry(0x6264, "LoongArch64"));

    private final int code;
    private final String arch;

    Machine(int code, String arch) {
        this.code = code;
        this.arch = arch;
    }

    public int code() {
        return code;
    }

    /** The architecture name efikexec uses: "aarch64" or "x86_64". */
    public String arch() {
        return arch;
    }

    /** The supported machine with this code, or null. */
    public static Machine of(int code) {
        for (Machine m : values()) {
            if (m.code == code) return m;
        }
        return null;
    }

    /** "0xaa64 (aarch64)", "0x14c (i386)", "0x1234 (unknown machine)". */
    public static String describe(int code) {
        Machine m = of(code);
        String name = m != null ? m.arch : OTHERS.getOrDefault(code, "unknown machine");
        return String.format("0x%x (%s)", code, name);
    }
}
