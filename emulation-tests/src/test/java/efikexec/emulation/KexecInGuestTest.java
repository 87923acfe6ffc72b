package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's end-to-end test: a real kexec_load(2) and reboot(2) inside a QEMU guest (TCG) running
 * Debian bookworm's kernel (scripts/kexec-in-guest): `efikexec load vmlinuz --host --initrd I`
 * then `efikexec exec`, and the kexec'd kernel runs the initramfs' init with our EFI system table.
 * x86_64: q35 over this machine's root file system, our e820 map, ACPI from the guest's firmware;
 * aarch64: virt, chrooted into scripts/setup's arm64 userland (bookworm's JRE, trixie's Unicorn),
 * the guest's own device tree from /sys/firmware/fdt.
 */
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class KexecInGuestTest {
    static final String LINE = "efikexec-kexec: init reached";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64"})
    void efikexecLoadAndExecBootTheNewKernelToInit(String arch) throws Exception {
        boolean x86 = arch.equals("x86_64");
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path script = repo.resolve("scripts/kexec-in-guest");
        Path kernel = x86 ? Fixtures.amd64Kernel() : Fixtures.arm64Kernel();
        Path modules = kernel.resolveSibling("modules");
        if (!Files.isDirectory(modules)) throw Fixtures.missing("the guest's 9p modules missing at " + modules + ": " + Fixtures.SETUP_HINT);
        Path userland = Fixtures.cache().resolve("fixtures/arm64-userland/root/usr/bin/java");
        if (!x86 && !Files.exists(userland)) throw Fixtures.missing("the arm64 guest's JRE missing at " + userland + ": " + Fixtures.SETUP_HINT);
        Path initrd = dir.resolve("init.cpio");
        Process make = new ProcessBuilder(script.toString(), "--arch", arch, "--make-initrd", initrd.toString())
                .redirectErrorStream(true).start();
        String made = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor()).as(made).isZero();

        Path out = dir.resolve("console.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(script.toString(), "--arch", arch, "--mode", "efikexec",
                "--kernel", kernel.toString(), "--initrd", initrd.toString(), "--expect", LINE, "--timeout", "1500")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(1600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kexec-in-guest did not end in 1600 s");
        }
        String console = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit status; stderr:%n%s", stderr).isZero();

        // what the first kernel's efikexec printed, then the kexec'd kernel
        int loaded = console.indexOf("segments, entry 0x");
        int kexec = console.indexOf("kexec-in-guest: performing the kexec");
        assertThat(loaded).as("efikexec load's line").isPositive();
        assertThat(kexec).as("the marker before efikexec exec").isGreaterThan(loaded);
        String after = console.substring(kexec);
        assertThat(after).contains("kexec_core: Starting new kernel", "efi: EFI v2.70 by efikexec",
                "Run /init as init process", LINE);
        assertThat(after).as("the initrd came through LoadFile2, not a stale device-tree one")
                .doesNotContain("Initramfs unpacking failed");
        if (x86) {
            assertThat(after).contains("ACPI: RSDP");
            assertThat(after).as("ACPI enabled, not given up").doesNotContain("ACPI: Unable to locate RSDP");
            assertThat(after).as("the e820 table the stub built from our map").contains("BIOS-e820: [mem");
        }
        Matcher m = Pattern.compile("exec_to_first_line_s=([0-9.]+) exec_to_init_s=([0-9.]+)").matcher(stderr);
        assertThat(m.find()).as(stderr).isTrue();
        System.out.printf("kexec in a TCG %s guest: efikexec exec -> new kernel's first line %s s, -> init %s s%n",
                arch, m.group(1), m.group(2));
    }
}
