package efikexec.kexec.syscall;

/** errno values kexec_load(2) and reboot(2) return, named with what they mean there. */
final class Errno {
    private Errno() {
    }

    static String describe(int errno, String call) {
        return switch (errno) {
            case 1 -> "EPERM: not permitted (no CAP_SYS_BOOT, kexec_load_disabled, or kernel lockdown)";
            case 12 -> "ENOMEM: the kernel could not allocate the segments' pages";
            case 16 -> "EBUSY: another kexec load is in progress";
            case 22 -> call.equals("reboot") ? "EINVAL: no kexec image is loaded"
                    : "EINVAL: the kernel refused the segments (alignment, overlap, size or count)";
            case 38 -> "ENOSYS: this kernel has no " + call + " (CONFIG_KEXEC off)";
            case 99 -> "EADDRNOTAVAIL: a segment lies outside the memory the kernel can use";
            default -> "errno " + errno;
        };
    }
}
