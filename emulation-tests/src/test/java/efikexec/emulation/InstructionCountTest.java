package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --count-instructions on the real stub: counts that are plausible and that add up. */
class InstructionCountTest {
    @Test
    void countsTheStubsInstructionsToEbsAndToEntry(@TempDir Path dir) {
        Path report = dir.resolve("r.json");
        CliRun run = CliRun.of("run", Fixtures.arm64Kernel().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--cmdline", "console=ttyAMA0 nokaslr", "--count-instructions", "--report", report.toString());
        assertThat(run.exitCode()).as(run.describe()).isZero();
        JsonNode r = CliRun.json(report);
        long ebs = r.path("exitBootServices").path("instructions").asLong();
        long entry = r.path("kernelEntry").path("instructions").asLong();
        // EFI-NOTES: Debian 6.1's arm64 stub runs ~2.8 M instructions to kernel entry.
        assertThat(entry).as("instructions to kernel entry").isBetween(1_000_000L, 10_000_000L);
        assertThat(ebs).as("instructions to ExitBootServices").isPositive().isLessThan(entry);
    }

    @Test
    void withoutTheOptionNoCountIsReported(@TempDir Path dir) {
        Path report = dir.resolve("r.json");
        CliRun run = CliRun.of("run", Fixtures.arm64Kernel().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--cmdline", "nokaslr", "--until", "ebs", "--report", report.toString());
        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(CliRun.json(report).path("exitBootServices").path("instructions").isNull()).isTrue();
    }
}
