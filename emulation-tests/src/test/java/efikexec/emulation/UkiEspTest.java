package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.pe.uki.UkiBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `efikexec run UKI --esp DIR` with Debian trixie's systemd-stub 257 on arm64, as a real ESP
 * would hold it: the UKI at EFI\Linux\efikexec-test.efi and, beside it in
 * efikexec-test.efi.extra.d, a cmdline addon (from trixie's addonaa64.efi.stub), a credential and
 * a sysext; a global addon in loader\addons and a global credential in loader\credentials.
 * What systemd 257 does with them, as the kernel finds it at its entry: the addons' .cmdline
 * appended to the UKI's (global first), and one cpio per kind appended to the initrd
 * (/.extra/credentials, /.extra/global_credentials, /.extra/sysext), in stub.c's and cpio.c's
 * layout. Addons are loaded with LoadImage by device path, unsigned: SecureBoot is absent.
 */
class UkiEspTest {
    static final String NAME = "efikexec-test.efi";
    static final String DROPIN = "EFI/Linux/" + NAME + ".extra.d";
    static final String CMDLINE = "console=ttyAMA0 efikexec.uki=esp";
    static final String GLOBAL_ADDON = "efikexec.global-addon=1";
    static final String UKI_ADDON = "efikexec.addon=1";
    static final byte[] CREDENTIAL = "efikexec credential\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] GLOBAL_CREDENTIAL = "global\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SYSEXT = random(5001);

    @TempDir
    static Path dir;

    static Path esp;
    static Path uki;
    static CliRun plain;
    static CliRun withEsp;
    static CliRun again;
    static CliRun outside;
    static List<JsonNode> trace;

    static Path stub(String file) {
        Path p = Fixtures.cache().resolve("fixtures/systemd-boot-efi-trixie-arm64/" + file);
        if (!Files.isRegularFile(p)) throw Fixtures.missing("systemd-stub " + p + " missing: " + Fixtures.SETUP_HINT);
        return p;
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    static Path write(Path p, byte[] bytes) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    static byte[] addon(String cmdline) {
        return UkiBuilder.addon(Fixtures.read(stub("addonaa64.efi.stub"))).cmdline(cmdline).build();
    }

    static CliRun run(Path image, String name, Path espDir) {
        List<String> args = new ArrayList<>(List.of("run", image.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--report", dir.resolve(name + ".json").toString(), "--trace", dir.resolve(name + ".jsonl").toString()));
        if (espDir != null) args.addAll(List.of("--esp", espDir.toString()));
        return CliRun.of(args);
    }

    static JsonNode report(String name) {
        return CliRun.json(dir.resolve(name + ".json"));
    }

    @BeforeAll
    static void buildAndRun() throws IOException {
        Path stub = stub("linuxaa64.efi.stub");
        stub("addonaa64.efi.stub");
        esp = Files.createDirectories(dir.resolve("esp"));
        uki = esp.resolve("EFI/Linux/" + NAME);
        Files.createDirectories(uki.getParent());
        Files.write(dir.resolve("initrd.cpio"), Fixtures.initrd());
        CliRun build = CliRun.of("uki", "build", "--stub", stub.toString(), "--linux", Fixtures.arm64Kernel().toString(),
                "--initrd", dir.resolve("initrd.cpio").toString(), "--cmdline", CMDLINE, "-o", uki.toString());
        assertEquals(0, build.exitCode(), build::describe);
        write(esp.resolve(DROPIN + "/extra.addon.efi"), addon(UKI_ADDON));
        write(esp.resolve(DROPIN + "/test.cred"), CREDENTIAL);
        write(esp.resolve(DROPIN + "/test.sysext.raw"), SYSEXT);
        write(esp.resolve("loader/addons/global.addon.efi"), addon(GLOBAL_ADDON));
        write(esp.resolve("loader/credentials/global.cred"), GLOBAL_CREDENTIAL);

        plain = run(uki, "plain", null);
        withEsp = run(uki, "esp", esp);
        again = run(uki, "again", esp);
        // The same UKI outside DIR is taken to be EFI\Linux\NAME on it: the same drop-ins apply.
        Path elsewhere = Files.copy(uki, dir.resolve(NAME));
        outside = run(elsewhere, "outside", esp);
        trace = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("esp.jsonl"))) trace.add(CliRun.json(l));
    }

    static String bootargs(JsonNode report) {
        return report.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText();
    }

    @Test
    void theAddonsCommandLinesFollowTheUkisGlobalFirst() {
        assertEquals(0, withEsp.exitCode(), withEsp::describe);
        assertEquals("kernel-entry", report("esp").path("outcome").asText());
        assertEquals(CMDLINE, bootargs(report("plain")), "without --esp");
        assertEquals(CMDLINE + " " + GLOBAL_ADDON + " " + UKI_ADDON, bootargs(report("esp")));
    }

    /** cpio.c: the prefix's directories, each file (header and name, then data, each padded to 4), the trailer. */
    static long cpioSize(String prefix, Map<String, Integer> files) {
        long n = 0;
        for (int i = prefix.indexOf('/'); i >= 0; i = prefix.indexOf('/', i + 1)) n += align4(110 + i + 1);
        n += align4(110 + prefix.length() + 1);
        for (Map.Entry<String, Integer> f : files.entrySet()) {
            n += align4(110 + prefix.length() + 1 + f.getKey().length() + 1) + align4(f.getValue());
        }
        return n + 124;
    }

    static long align4(long v) {
        return (v + 3) & ~3L;
    }

    @Test
    void theInitrdGrowsByOneCpioOfCredentialsGlobalCredentialsAndSysexts() {
        long grown = report("esp").path("kernelEntry").path("initrd").path("size").asLong()
                - report("plain").path("kernelEntry").path("initrd").path("size").asLong();
        long expected = cpioSize(".extra/credentials", Map.of("test.cred", CREDENTIAL.length))
                + cpioSize(".extra/global_credentials", Map.of("global.cred", GLOBAL_CREDENTIAL.length))
                + cpioSize(".extra/sysext", Map.of("test.sysext.raw", SYSEXT.length));
        assertEquals(expected, grown, "initrd growth");
    }

    @Test
    void theTraceShowsTheStubReadingTheEspAndLoadingTheAddons() {
        List<String> names = trace.stream().map(t -> t.path("name").asText()).toList();
        assertThat(names).contains("SimpleFileSystem.OpenVolume", "File.Open", "File.Read", "File.GetInfo", "File.Close");
        Map<String, String> opened = new LinkedHashMap<>();
        for (JsonNode t : trace) {
            if (t.path("name").asText().equals("File.Open")) opened.put(t.path("note").asText(), t.path("status").asText());
        }
        assertThat(opened).containsEntry("\\loader\\addons", "SUCCESS")
                .containsEntry("\\EFI\\Linux\\" + NAME + ".extra.d", "SUCCESS")
                .containsEntry("\\loader\\credentials", "SUCCESS")
                .containsEntry("test.cred", "SUCCESS");
        List<JsonNode> loads = trace.stream().filter(t -> t.path("name").asText().equals("LoadImage")).toList();
        assertThat(loads).as("LoadImage of the two addons and of the kernel").hasSize(3);
        assertThat(loads.get(0).path("note").asText()).startsWith("global.addon.efi at ");
        assertThat(loads.get(1).path("note").asText()).startsWith("extra.addon.efi at ");
        assertThat(names).as("the addons are unloaded again").contains("UnloadImage");
    }

    @Test
    void anImageOutsideTheDirectoryIsAtEfiLinuxName() {
        assertEquals(0, outside.exitCode(), outside::describe);
        assertEquals(CMDLINE + " " + GLOBAL_ADDON + " " + UKI_ADDON, bootargs(report("outside")));
    }

    @Test
    void theSameEspGivesTheSameRun() {
        assertEquals(0, again.exitCode(), again::describe);
        assertEquals(CliRun.normalized(report("esp")), CliRun.normalized(report("again")));
    }

    @Test
    void anEspThatIsNoDirectoryIsBadInput() throws IOException {
        Path file = write(dir.resolve("not-a-dir"), new byte[1]);
        for (Path p : List.of(file, dir.resolve("missing"))) {
            CliRun r = run(uki, "bad", p);
            assertEquals(2, r.exitCode(), r::describe);
            assertThat(r.errLines()).as(r.describe()).hasSize(1);
            assertThat(r.errLines().get(0)).contains(p.toString()).contains("--esp");
        }
    }
}
