package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The x86 EFI handover path: systemd-stub falls back to the kernel's legacy handover entry when
 * the kernel's PE MajorImageVersion is 0 (a kernel without LoadFile2 initrd support). 252 runs
 * the kernel in place inside .linux, 257 copies it first; neither calls LoadImage. Both must reach
 * startup_64 with the UKI's command line and initrd in boot_params. The bookworm kernel stands in
 * for such a kernel with its version field set to 0 (and its signature dropped, as the change
 * breaks it).
 */
class UkiHandoverTest {
    static final String CMDLINE = "console=ttyS0 nokaslr efikexec.handover=1";

    @TempDir
    static Path dir;

    static byte[] versionZeroKernel() {
        byte[] k = Fixtures.read(Fixtures.amd64Kernel());
        PeImage pe = PeParser.parse(k);
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        int opt = (int) pe.optionalHeaderOffset();
        b.putShort(opt + 44, (short) 0).putShort(opt + 46, (short) 0); // Major/MinorImageVersion
        int security = (int) pe.dataDirectoryOffset(DataDirectory.SECURITY);
        b.putLong(security, 0);
        return k;
    }

    @ParameterizedTest
    @ValueSource(strings = {"bookworm", "trixie"})
    void theHandoverEntryReachesStartup64WithTheUkisCommandLineAndInitrd(String suite) throws Exception {
        Path kernel = Files.write(dir.resolve("vmlinuz-v0"), versionZeroKernel());
        byte[] initrd = Fixtures.initrd();
        Path initrdFile = Files.write(dir.resolve("initrd"), initrd);
        Path uki = dir.resolve(suite + ".efi");
        CliRun b = CliRun.of("uki", "build", "--stub", UkiTest.stub(suite, "amd64").toString(), "--linux", kernel.toString(),
                "--initrd", initrdFile.toString(), "--cmdline", CMDLINE, "-o", uki.toString());
        assertEquals(0, b.exitCode(), b::describe);
        Path report = dir.resolve(suite + ".json"), trace = dir.resolve(suite + ".jsonl");
        CliRun r = CliRun.of("run", uki.toString(), "--timeout", "180", "--report", report.toString(), "--trace", trace.toString());
        assertEquals(0, r.exitCode(), r::describe);
        JsonNode rep = CliRun.json(report);
        assertEquals("kernel-entry", rep.path("outcome").asText());
        assertEquals("0x1000000", rep.path("kernelEntry").path("pc").asText(), "nokaslr: startup_64 at 16 MiB");
        JsonNode bp = rep.path("kernelEntry").path("bootParams");
        assertEquals(CMDLINE, bp.path("cmdline").asText());
        assertEquals(initrd.length, bp.path("ramdisk").path("size").asLong(), "the handover path passes .initrd itself");
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(initrd)),
                bp.path("ramdisk").path("sha256").asText());
        List<JsonNode> calls = UkiTest.trace(trace);
        assertThat(calls).as("no LoadImage on the handover path").noneMatch(c -> c.path("name").asText().equals("LoadImage"));
        long ukiHandle = CliRun.hex(calls.stream().filter(c -> c.path("name").asText().equals("HandleProtocol"))
                .findFirst().orElseThrow().path("args").get(0));
        JsonNode ebs = calls.stream().filter(c -> c.path("name").asText().equals("ExitBootServices")
                && c.path("status").asText().equals("SUCCESS")).findFirst().orElseThrow();
        assertEquals(ukiHandle, CliRun.hex(ebs.path("args").get(0)), "the kernel runs under the UKI's handle");
    }
}
