package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.emulator.run.Outcome;
import efikexec.pe.linux.Arm64ImageHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UKIs built with `efikexec uki build` from Debian bookworm's systemd-stub (systemd 252) and the
 * bookworm kernels, run to the kernel's entry: systemd-stub loads .linux with LoadImage and
 * StartImage, serves .initrd through its own LoadFile2 handle and passes .cmdline on.
 */
class UkiTest {
    static final String ARM_CMDLINE = "console=ttyAMA0 efikexec.uki=arm64";
    static final String X86_CMDLINE = "console=ttyS0 nokaslr efikexec.uki=x86";
    static final String OS_RELEASE = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";

    @TempDir
    static Path dir;

    static byte[] initrd;
    static Path armUki, x86Uki;
    static CliRun armBuild, x86Build, armRun, x86Run;
    static JsonNode armReport, x86Report;
    static List<JsonNode> armTrace, x86Trace;
    static InProcessRun armInProcess;

    static Path stub(String arch, String file) {
        Path p = Fixtures.cache().resolve("fixtures/systemd-boot-efi-" + arch + "/" + file);
        if (!Files.isRegularFile(p)) throw Fixtures.missing("systemd-stub " + p + " missing: " + Fixtures.SETUP_HINT);
        return p;
    }

    static CliRun build(Path stub, Path kernel, String cmdline, String uname, Path out) {
        return CliRun.of("uki", "build", "--stub", stub.toString(), "--linux", kernel.toString(),
                "--initrd", dir.resolve("initrd.cpio").toString(), "--cmdline", cmdline,
                "--os-release", dir.resolve("os-release").toString(), "--uname", uname, "-o", out.toString());
    }

    @BeforeAll
    static void buildAndRun() throws IOException {
        initrd = Fixtures.initrd();
        Files.write(dir.resolve("initrd.cpio"), initrd);
        Files.writeString(dir.resolve("os-release"), OS_RELEASE);
        armUki = dir.resolve("arm64.efi");
        x86Uki = dir.resolve("x86.efi");
        armBuild = build(stub("arm64", "linuxaa64.efi.stub"), Fixtures.arm64Kernel(), ARM_CMDLINE, "6.1.0-arm64", armUki);
        x86Build = build(stub("amd64", "linuxx64.efi.stub"), Fixtures.amd64Kernel(), X86_CMDLINE, "6.1.0-amd64", x86Uki);

        armRun = CliRun.of("run", armUki.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--report", dir.resolve("arm.json").toString(), "--trace", dir.resolve("arm.jsonl").toString());
        armReport = CliRun.json(dir.resolve("arm.json"));
        armTrace = trace(dir.resolve("arm.jsonl"));
        x86Run = CliRun.of("run", x86Uki.toString(), "--timeout", "180",
                "--report", dir.resolve("x86.json").toString(), "--trace", dir.resolve("x86.jsonl").toString());
        x86Report = CliRun.json(dir.resolve("x86.json"));
        x86Trace = trace(dir.resolve("x86.jsonl"));
        armInProcess = InProcessRun.run(Files.readAllBytes(armUki), Arm64ImageHeader.parse(Fixtures.read(Fixtures.arm64Kernel())),
                "arm64.efi", Fixtures.read(Fixtures.qemuVirtDtb()), null, null, null);
    }

    static List<JsonNode> trace(Path p) {
        List<JsonNode> calls = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(p)) calls.add(CliRun.json(l));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return calls;
    }

    @Test
    void buildsBothUkisAndInspectListsTheirSections() {
        assertEquals(0, armBuild.exitCode(), armBuild::describe);
        assertEquals(0, x86Build.exitCode(), x86Build::describe);
        for (Path uki : List.of(armUki, x86Uki)) {
            CliRun inspect = CliRun.of("inspect", uki.toString(), "--json");
            assertEquals(0, inspect.exitCode(), inspect::describe);
            JsonNode j = CliRun.json(inspect.out());
            assertEquals("uki", j.path("format").asText());
            List<String> names = new ArrayList<>();
            j.path("pe").path("sections").forEach(s -> names.add(s.path("name").asText()));
            assertThat(names).containsSubsequence(".osrel", ".cmdline", ".uname", ".initrd", ".linux");
            assertThat(names.get(names.size() - 1)).isEqualTo(".linux");
        }
    }

    @Test
    void theSameInputsBuildTheSameBytes() throws IOException {
        Path again = dir.resolve("again.efi");
        CliRun b = build(stub("arm64", "linuxaa64.efi.stub"), Fixtures.arm64Kernel(), ARM_CMDLINE, "6.1.0-arm64", again);
        assertEquals(0, b.exitCode(), b::describe);
        assertEquals(-1L, Files.mismatch(armUki, again), "two builds differ");
        Path x86Again = dir.resolve("x86-again.efi");
        b = build(stub("amd64", "linuxx64.efi.stub"), Fixtures.amd64Kernel(), X86_CMDLINE, "6.1.0-amd64", x86Again);
        assertEquals(-1L, Files.mismatch(x86Uki, x86Again), "two x86 builds differ");
    }

    @Test
    void arm64UkiReachesPrimaryEntryWithItsCommandLineAndInitrd() {
        assertEquals(0, armRun.exitCode(), armRun::describe);
        assertEquals("kernel-entry", armReport.path("outcome").asText());
        assertEquals("uki", armReport.path("image").path("format").asText());
        JsonNode entry = armReport.path("kernelEntry");
        assertEquals(ARM_CMDLINE, entry.path("fdt").path("chosen").path("bootargs").asText());
        assertEquals(initrd.length, entry.path("initrd").path("size").asLong());

        assertEquals(Outcome.KERNEL_ENTRY, armInProcess.outcome(), armInProcess::describe);
        assertThat(armInProcess.initrdBytes()).as("the initrd the kernel finds starts with ours").isNotNull()
                .startsWith(initrd);
        byte[] header = armInProcess.imageHeaderAtEntry();
        assertThat(header).as("an arm64 Image header primary_entry below the pc").isNotNull();
        assertThat(Arm64ImageHeader.isArm64Image(header)).isTrue();
        assertThat(armInProcess.console()).contains("Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
    }

    @Test
    void x86UkiReachesStartup64WithItsCommandLineAndInitrdInBootParams() throws Exception {
        assertEquals(0, x86Run.exitCode(), x86Run::describe);
        assertEquals("kernel-entry", x86Report.path("outcome").asText());
        JsonNode bp = x86Report.path("kernelEntry").path("bootParams");
        assertEquals("0x1000000", x86Report.path("kernelEntry").path("pc").asText(), "nokaslr: startup_64 at 16 MiB");
        assertEquals(X86_CMDLINE, bp.path("cmdline").asText());
        assertEquals(initrd.length, bp.path("ramdisk").path("size").asLong());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(initrd)),
                bp.path("ramdisk").path("sha256").asText());
    }

    /** The trace shows how the stub started the kernel: LoadImage + StartImage, then the child exits boot services. */
    @Test
    void theStubStartsTheKernelWithLoadImageAndStartImage() {
        for (List<JsonNode> trace : List.of(armTrace, x86Trace)) {
            long ukiHandle = CliRun.hex(first(trace, "HandleProtocol").path("args").get(0));
            JsonNode load = first(trace, "LoadImage");
            assertEquals("SUCCESS", load.path("status").asText());
            JsonNode start = first(trace, "StartImage");
            long child = CliRun.hex(start.path("args").get(0));
            JsonNode ebs = trace.stream().filter(c -> c.path("name").asText().equals("ExitBootServices")
                    && c.path("status").asText().equals("SUCCESS")).findFirst().orElseThrow();
            assertThat(load.path("seq").asInt()).isLessThan(start.path("seq").asInt());
            assertThat(start.path("seq").asInt()).isLessThan(ebs.path("seq").asInt());
            assertThat(child).isNotEqualTo(ukiHandle);
            assertEquals(child, CliRun.hex(ebs.path("args").get(0)), "the kernel (the child) exits boot services");
            // systemd-stub installs its own LoadFile2 initrd handle: none came from the firmware
            assertThat(trace).anyMatch(c -> c.path("name").asText().equals("InstallMultipleProtocolInterfaces"));
        }
    }

    @Test
    void runsOfTheSameUkiGiveTheSameReport() {
        CliRun again = CliRun.of("run", armUki.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--report", dir.resolve("arm2.json").toString());
        assertEquals(0, again.exitCode(), again::describe);
        assertEquals(CliRun.normalized(armReport), CliRun.normalized(CliRun.json(dir.resolve("arm2.json"))));
    }

    @Test
    void aCorruptedLinuxSectionEndsWithTheStubsErrorAndExit3() throws IOException {
        byte[] b = Files.readAllBytes(armUki);
        efikexec.pe.PeImage pe = efikexec.pe.PeParser.parse(b);
        long linux = pe.section(".linux").orElseThrow().pointerToRawData();
        int peOffset = (int) linux + (b[(int) linux + 0x3c] & 0xff | (b[(int) linux + 0x3d] & 0xff) << 8);
        b[peOffset] = 'X'; // the kernel's "PE\0\0" signature
        Path bad = dir.resolve("bad.efi");
        Files.write(bad, b);
        CliRun r = CliRun.of("run", bad.toString(), "--dtb", Fixtures.qemuVirtDtb().toString());
        assertEquals(3, r.exitCode(), r::describe);
        assertThat(r.err()).contains("Bad kernel image").contains("image-returned").contains("LOAD_ERROR");
    }

    @Test
    void anInitrdOptionForAUkiIsRefusedInOneLine() {
        CliRun r = CliRun.of("run", armUki.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--initrd", dir.resolve("initrd.cpio").toString());
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains(armUki.toString()).contains(".initrd");
    }

    @Test
    void aSignedStubIsRefusedInOneLine() throws IOException {
        // a Debian kernel is signed (it has a certificate table): as a stub it is refused
        CliRun r = CliRun.of("uki", "build", "--stub", Fixtures.amd64Kernel().toString(), "--linux",
                Fixtures.amd64Kernel().toString(), "-o", dir.resolve("never.efi").toString());
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains(Fixtures.amd64Kernel().toString()).contains("signed");
        assertThat(dir.resolve("never.efi")).doesNotExist();
    }

    private static JsonNode first(List<JsonNode> trace, String name) {
        return trace.stream().filter(c -> c.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in the trace"));
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
