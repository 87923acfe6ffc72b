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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UKIs built with `efikexec uki build` from Debian's systemd-stub (bookworm: systemd 252, trixie:
 * 257, forky: 258+) and the bookworm kernels, run to the kernel's entry: systemd-stub serves
 * .initrd through its own LoadFile2 handle and passes .cmdline on; up to 257 it starts .linux with
 * LoadImage and StartImage, from 258 on it loads the kernel itself and runs it under its own
 * handle. 257 and later append a cpio of their own (/.extra/os-release) to the initrd: ours must be
 * its prefix.
 */
class UkiTest {
    static final String OS_RELEASE = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";

    /** One UKI: a stub of one systemd version for one architecture, built and run once. */
    record Case(String suite, String arch, Path uki, String cmdline, CliRun build, CliRun run, JsonNode report,
            List<JsonNode> trace) {
        boolean x86() {
            return arch.equals("amd64");
        }

        @Override
        public String toString() {
            return suite + "/" + arch;
        }
    }

    static final List<String> SUITES = List.of("bookworm", "trixie", "forky");

    @TempDir
    static Path dir;

    static byte[] initrd;
    static List<Case> cases = new ArrayList<>();
    static Case armBookworm;
    static InProcessRun armBookwormInProcess, armTrixieInProcess, armForkyInProcess;

    static Path stub(String suite, String arch) {
        String file = arch.equals("amd64") ? "linuxx64.efi.stub" : "linuxaa64.efi.stub";
        Path p = Fixtures.cache().resolve("fixtures/systemd-boot-efi-" + suite + "-" + arch + "/" + file);
        if (!Files.isRegularFile(p)) throw Fixtures.missing("systemd-stub " + p + " missing: " + Fixtures.SETUP_HINT);
        return p;
    }

    static Path kernel(String arch) {
        return arch.equals("amd64") ? Fixtures.amd64Kernel() : Fixtures.arm64Kernel();
    }

    static String cmdline(String suite, String arch) {
        return (arch.equals("amd64") ? "console=ttyS0 nokaslr" : "console=ttyAMA0") + " efikexec.uki=" + suite;
    }

    static CliRun build(String suite, String arch, Path out) {
        return CliRun.of("uki", "build", "--stub", stub(suite, arch).toString(), "--linux", kernel(arch).toString(),
                "--initrd", dir.resolve("initrd.cpio").toString(), "--cmdline", cmdline(suite, arch),
                "--os-release", dir.resolve("os-release").toString(), "--uname", "6.1.0-" + arch, "-o", out.toString());
    }

    static List<String> target(String arch) {
        return arch.equals("amd64") ? List.of("--timeout", "180") : List.of("--dtb", Fixtures.qemuVirtDtb().toString());
    }

    @BeforeAll
    static void buildAndRun() throws IOException {
        initrd = Fixtures.initrd();
        Files.write(dir.resolve("initrd.cpio"), initrd);
        Files.writeString(dir.resolve("os-release"), OS_RELEASE);
        for (String suite : SUITES) {
            for (String arch : List.of("arm64", "amd64")) {
                String name = suite + "-" + arch;
                Path uki = dir.resolve(name + ".efi");
                CliRun build = build(suite, arch, uki);
                List<String> args = new ArrayList<>(List.of("run", uki.toString(), "--report",
                        dir.resolve(name + ".json").toString(), "--trace", dir.resolve(name + ".jsonl").toString()));
                args.addAll(target(arch));
                CliRun run = CliRun.of(args);
                Path report = dir.resolve(name + ".json");
                cases.add(new Case(suite, arch, uki, cmdline(suite, arch), build, run,
                        Files.exists(report) ? CliRun.json(report) : null, trace(dir.resolve(name + ".jsonl"))));
            }
        }
        armBookworm = cases.get(0);
        byte[] header = Fixtures.read(Fixtures.arm64Kernel());
        armBookwormInProcess = InProcessRun.run(Files.readAllBytes(cases.get(0).uki()), Arm64ImageHeader.parse(header),
                "bookworm-arm64.efi", Fixtures.read(Fixtures.qemuVirtDtb()), null, null, null);
        armTrixieInProcess = InProcessRun.run(Files.readAllBytes(cases.get(2).uki()), Arm64ImageHeader.parse(header),
                "trixie-arm64.efi", Fixtures.read(Fixtures.qemuVirtDtb()), null, null, null);
        armForkyInProcess = InProcessRun.run(Files.readAllBytes(cases.get(4).uki()), Arm64ImageHeader.parse(header),
                "forky-arm64.efi", Fixtures.read(Fixtures.qemuVirtDtb()), null, null, null);
    }

    static List<JsonNode> trace(Path p) {
        List<JsonNode> calls = new ArrayList<>();
        if (!Files.exists(p)) return calls;
        try {
            for (String l : Files.readAllLines(p)) calls.add(CliRun.json(l));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return calls;
    }

    @Test
    void buildsEveryUkiAndInspectListsItsSections() {
        for (Case c : cases) {
            assertEquals(0, c.build().exitCode(), c.build()::describe);
            CliRun inspect = CliRun.of("inspect", c.uki().toString(), "--json");
            assertEquals(0, inspect.exitCode(), inspect::describe);
            JsonNode j = CliRun.json(inspect.out());
            assertEquals("uki", j.path("format").asText(), c::toString);
            List<String> names = new ArrayList<>();
            j.path("pe").path("sections").forEach(s -> names.add(s.path("name").asText()));
            assertThat(names).as(c.toString()).containsSubsequence(".osrel", ".cmdline", ".uname", ".initrd", ".linux");
            assertThat(names.get(names.size() - 1)).isEqualTo(".linux");
            JsonNode uki = j.path("uki");
            assertThat(uki.path("stub").asText()).as(c.toString()).startsWith("systemd-stub ")
                    .contains(Map.of("bookworm", " 252.", "trixie", " 257.", "forky", " 2").get(c.suite()));
            assertEquals(c.cmdline(), uki.path("cmdline").asText());
            assertEquals("Debian GNU/Linux 12 (bookworm)", uki.path("osRelease").asText());
            assertEquals(initrd.length, uki.path("initrdSize").asInt());
            assertEquals(c.x86() ? "x86-bzimage" : "arm64-linux-image", uki.path("linux").path("format").asText());
        }
    }

    @Test
    void theSameInputsBuildTheSameBytes() throws IOException {
        Path again = dir.resolve("again.efi");
        for (Case c : cases) {
            CliRun b = build(c.suite(), c.arch(), again);
            assertEquals(0, b.exitCode(), b::describe);
            assertEquals(-1L, Files.mismatch(c.uki(), again), c + ": two builds differ");
        }
    }

    @Test
    void arm64UkisReachPrimaryEntryWithTheirCommandLineAndInitrd() {
        for (Case c : cases) {
            if (c.x86()) continue;
            assertEquals(0, c.run().exitCode(), c.run()::describe);
            assertEquals("kernel-entry", c.report().path("outcome").asText());
            assertEquals("uki", c.report().path("image").path("format").asText());
            JsonNode entry = c.report().path("kernelEntry");
            assertEquals(c.cmdline(), entry.path("fdt").path("chosen").path("bootargs").asText(), c::toString);
            assertThat(entry.path("initrd").path("size").asLong()).as(c.toString()).isGreaterThanOrEqualTo(initrd.length);
        }
        assertEquals(initrd.length, armBookworm.report().path("kernelEntry").path("initrd").path("size").asLong(),
                "252 serves the .initrd as it is");
        for (InProcessRun r : List.of(armBookwormInProcess, armTrixieInProcess, armForkyInProcess)) {
            assertEquals(Outcome.KERNEL_ENTRY, r.outcome(), r::describe);
            assertThat(r.initrdBytes()).as("the initrd the kernel finds starts with ours").isNotNull().startsWith(initrd);
            assertThat(r.console()).contains("Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        }
        for (InProcessRun r : List.of(armBookwormInProcess, armTrixieInProcess)) {
            byte[] header = r.imageHeaderAtEntry();
            assertThat(header).as("an arm64 Image header primary_entry below the pc").isNotNull();
            assertThat(Arm64ImageHeader.isArm64Image(header)).isTrue();
        }
        // 258+ loads the kernel's sections without its headers: the entry is found by its code
        assertThat(Arm64ImageHeader.isArm64Image(armForkyInProcess.imageHeaderAtEntry())).isFalse();
        for (InProcessRun r : List.of(armTrixieInProcess, armForkyInProcess)) {
            assertThat(text(r.initrdBytes())).as("257+'s own cpio").contains(".extra/os-release").contains("ID=debian");
        }
    }

    @Test
    void x86UkisReachStartup64WithTheirCommandLineAndInitrdInBootParams() throws Exception {
        String ours = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(initrd));
        for (Case c : cases) {
            if (!c.x86()) continue;
            assertEquals(0, c.run().exitCode(), c.run()::describe);
            assertEquals("kernel-entry", c.report().path("outcome").asText());
            JsonNode bp = c.report().path("kernelEntry").path("bootParams");
            assertEquals("0x1000000", c.report().path("kernelEntry").path("pc").asText(), "nokaslr: startup_64 at 16 MiB");
            assertEquals(c.cmdline(), bp.path("cmdline").asText(), c::toString);
            if (c.suite().equals("bookworm")) {
                assertEquals(initrd.length, bp.path("ramdisk").path("size").asLong());
                assertEquals(ours, bp.path("ramdisk").path("sha256").asText());
            } else {
                assertThat(bp.path("ramdisk").path("size").asLong()).isGreaterThan(initrd.length);
            }
        }
    }

    /** Up to 257, the trace shows LoadImage + StartImage, then the child exiting boot services. */
    @Test
    void upTo257TheStubStartsTheKernelWithLoadImageAndStartImage() {
        for (Case c : cases) {
            if (c.suite().equals("forky")) continue;
            List<JsonNode> trace = c.trace();
            long ukiHandle = CliRun.hex(first(trace, "HandleProtocol").path("args").get(0));
            JsonNode load = first(trace, "LoadImage");
            assertEquals("SUCCESS", load.path("status").asText());
            JsonNode start = first(trace, "StartImage");
            long child = CliRun.hex(start.path("args").get(0));
            JsonNode ebs = exitBootServices(trace);
            assertThat(load.path("seq").asInt()).isLessThan(start.path("seq").asInt());
            assertThat(start.path("seq").asInt()).isLessThan(ebs.path("seq").asInt());
            assertThat(child).isNotEqualTo(ukiHandle);
            assertEquals(child, CliRun.hex(ebs.path("args").get(0)), c + ": the kernel (the child) exits boot services");
            // systemd-stub installs its own LoadFile2 initrd handle: none came from the firmware
            assertThat(trace).anyMatch(t -> t.path("name").asText().equals("InstallMultipleProtocolInterfaces"));
        }
    }

    /** From 258 on the stub loads the kernel itself: no LoadImage, and the UKI's own handle exits boot services. */
    @Test
    void from258TheStubRunsTheKernelUnderItsOwnHandle() {
        for (Case c : cases) {
            if (!c.suite().equals("forky")) continue;
            assertEquals(0, c.run().exitCode(), c.run()::describe);
            List<JsonNode> trace = c.trace();
            assertThat(trace).noneMatch(t -> t.path("name").asText().matches("LoadImage|StartImage"));
            long ukiHandle = CliRun.hex(first(trace, "HandleProtocol").path("args").get(0));
            assertEquals(ukiHandle, CliRun.hex(exitBootServices(trace).path("args").get(0)), c::toString);
        }
    }

    private static JsonNode exitBootServices(List<JsonNode> trace) {
        return trace.stream().filter(t -> t.path("name").asText().equals("ExitBootServices")
                && t.path("status").asText().equals("SUCCESS")).findFirst().orElseThrow();
    }

    @Test
    void runsOfTheSameUkiGiveTheSameReport() {
        for (Case c : List.of(cases.get(0), cases.get(2), cases.get(4))) {
            CliRun again = CliRun.of("run", c.uki().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                    "--report", dir.resolve("again.json").toString());
            assertEquals(0, again.exitCode(), again::describe);
            assertEquals(CliRun.normalized(c.report()), CliRun.normalized(CliRun.json(dir.resolve("again.json"))), c::toString);
        }
    }

    @Test
    void aCorruptedLinuxSectionEndsWithTheStubsErrorAndExit3() throws IOException {
        byte[] b = Files.readAllBytes(armBookworm.uki());
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
        Path uki = armBookworm.uki();
        CliRun r = CliRun.of("run", uki.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--initrd", dir.resolve("initrd.cpio").toString());
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains(uki.toString()).contains(".initrd");
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
