package efikexec.kexec.host;

import java.util.Optional;

/**
 * Whether this kernel lets this process call kexec_load(2), and if not, the one line that says
 * why (issue 7: "refusals that say why"). Checked before any work, so a refusal costs nothing.
 */
public final class KexecPermission {
    private KexecPermission() {
    }

    /** Throws {@link KexecRefusedException} with {@link #refusal}'s reason, if there is one. */
    public static void require(HostSystem host) {
        refusal(host).ifPresent(r -> {
            throw new KexecRefusedException(r);
        });
    }

    /** Empty when kexec_load may be called; otherwise the reason, one line. */
    public static Optional<String> refusal(HostSystem host) {
        if (!host.hasKexec()) {
            return Optional.of("this kernel was built without kexec (CONFIG_KEXEC): /sys/kernel/kexec_loaded does not exist");
        }
        String lockdown = host.lockdown();
        if (!lockdown.equals("none")) {
            return Optional.of("kernel lockdown (" + lockdown + ", as under Secure Boot) refuses kexec_load(2); "
                    + "only kexec_file_load(2) of a kernel signed for this machine can load there, "
                    + "and a handoff bundle is no such kernel");
        }
        if (host.kexecLoadDisabled()) {
            return Optional.of("/proc/sys/kernel/kexec_load_disabled is 1: kexec_load(2) is disabled until the next reboot");
        }
        long caps = host.effectiveCapabilities();
        if (caps != -1 && (caps & (1L << HostSystem.CAP_SYS_BOOT)) == 0) {
            return Optional.of(String.format("kexec_load(2) needs CAP_SYS_BOOT: run as root (this process's "
                    + "effective capabilities 0x%x lack it)", caps));
        }
        return Optional.empty();
    }
}
