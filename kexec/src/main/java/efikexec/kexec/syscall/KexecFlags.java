package efikexec.kexec.syscall;

/** kexec_load(2)'s flags and reboot(2)'s command (include/uapi/linux/kexec.h, reboot.h). */
public final class KexecFlags {
    /** The running kernel's own architecture: the only one a bundle is made for. */
    public static final long KEXEC_ARCH_DEFAULT = 0;
    public static final long KEXEC_ON_CRASH = 1;
    public static final int LINUX_REBOOT_CMD_KEXEC = 0x45584543;

    private KexecFlags() {
    }

    /** __NR_kexec_load: x86_64's own table; arm64 uses the generic one (asm-generic/unistd.h). */
    public static long kexecLoadSyscall(String arch) {
        return switch (arch) {
            case "x86_64" -> 246;
            case "aarch64" -> 104;
            default -> throw new IllegalArgumentException("no kexec_load number for " + arch);
        };
    }
}
