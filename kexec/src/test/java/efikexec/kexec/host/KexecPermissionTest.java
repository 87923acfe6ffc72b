package efikexec.kexec.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KexecPermissionTest {
    @TempDir
    Path root;

    @Test
    void aPermissiveSystemAllowsKexecLoad() {
        assertThat(KexecPermission.refusal(FakeHost.permissive(root).system())).isEmpty();
    }

    @Test
    void aKernelWithoutKexecIsNamed() {
        FakeHost h = FakeHost.permissive(root).delete("/sys/kernel/kexec_loaded");
        assertThat(KexecPermission.refusal(h.system())).hasValueSatisfying(r -> assertThat(r)
                .contains("without kexec (CONFIG_KEXEC)").contains("/sys/kernel/kexec_loaded"));
    }

    @Test
    void lockdownSaysOnlyKexecFileLoadCanLoadThere() {
        for (String mode : new String[] {"integrity", "confidentiality"}) {
            FakeHost h = FakeHost.permissive(root).file("/sys/kernel/security/lockdown",
                    mode.equals("integrity") ? "none [integrity] confidentiality\n" : "none integrity [confidentiality]\n");
            assertThat(KexecPermission.refusal(h.system())).hasValueSatisfying(r -> assertThat(r)
                    .startsWith("kernel lockdown (" + mode).contains("Secure Boot").contains("kexec_file_load(2)"));
        }
    }

    @Test
    void noLockdownFileMeansNoLockdown() {
        FakeHost h = FakeHost.permissive(root).delete("/sys/kernel/security/lockdown");
        assertThat(h.system().lockdown()).isEqualTo("none");
        assertThat(KexecPermission.refusal(h.system())).isEmpty();
    }

    @Test
    void kexecLoadDisabledIsNamed() {
        FakeHost h = FakeHost.permissive(root).file("/proc/sys/kernel/kexec_load_disabled", "1\n");
        assertThat(KexecPermission.refusal(h.system())).hasValue(
                "/proc/sys/kernel/kexec_load_disabled is 1: kexec_load(2) is disabled until the next reboot");
    }

    @Test
    void withoutCapSysBootTheCapabilitiesAreShown() {
        // bit 22 (0x400000) cleared
        FakeHost h = FakeHost.permissive(root).file("/proc/self/status", "Name:\tjava\nCapEff:\t000001ffffbfffff\n");
        assertThat(KexecPermission.refusal(h.system())).hasValue(
                "kexec_load(2) needs CAP_SYS_BOOT: run as root (this process's effective capabilities 0x1ffffbfffff lack it)");
        FakeHost user = FakeHost.permissive(root).file("/proc/self/status", "CapEff:\t0000000000000000\n");
        assertThat(KexecPermission.refusal(user.system())).hasValueSatisfying(r -> assertThat(r).contains("0x0 lack it"));
    }

    @Test
    void kexecLoadedFollowsTheSysfsFile() {
        FakeHost h = FakeHost.permissive(root);
        assertThat(h.system().kexecLoaded()).isFalse();
        h.file("/sys/kernel/kexec_loaded", "1\n");
        assertThat(h.system().kexecLoaded()).isTrue();
    }
}
