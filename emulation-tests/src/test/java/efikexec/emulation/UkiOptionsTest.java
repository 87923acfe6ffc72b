package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a caller gives a UKI besides the UKI itself, on systemd-stub 257 (Debian trixie's) with
 * the bookworm arm64 kernel: SMBIOS type 11 strings and the profile selector in LoadOptions.
 */
class UkiOptionsTest {
    static final String CMDLINE = "console=ttyAMA0 efikexec.uki=options";

    @TempDir
    static Path dir;

    static Path uki257, uki252;

    @BeforeAll
    static void build() throws Exception {
        Files.write(dir.resolve("initrd"), Fixtures.initrd());
        uki257 = dir.resolve("257.efi");
        uki252 = dir.resolve("252.efi");
        for (Object[] b : new Object[][] {{"trixie", uki257}, {"bookworm", uki252}}) {
            CliRun r = CliRun.of("uki", "build", "--stub", UkiTest.stub((String) b[0], "arm64").toString(), "--linux",
                    Fixtures.arm64Kernel().toString(), "--initrd", dir.resolve("initrd").toString(), "--cmdline", CMDLINE,
                    "-o", b[1].toString());
            assertEquals(0, r.exitCode(), r::describe);
        }
    }

    static JsonNode run(Path uki, String... extra) {
        Path report = dir.resolve("r.json");
        List<String> args = new java.util.ArrayList<>(List.of("run", uki.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--report", report.toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args);
        assertThat(r.exitCode()).as(r::describe).isIn(0, 3);
        return CliRun.json(report);
    }

    @Test
    void smbiosType11CommandLineExtraIsAppendedBySystemdStub() {
        JsonNode r = run(uki257, "--smbios-type11", "io.systemd.stub.kernel-cmdline-extra=efikexec.smbios=1",
                "--smbios-type11", "io.systemd.credential:greeting=hello");
        assertEquals("kernel-entry", r.path("outcome").asText());
        assertEquals(CMDLINE + " efikexec.smbios=1", r.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
        assertThat(r.path("configTables").findValuesAsText("name")).contains("SMBIOS3_TABLE");
    }

    @Test
    void withoutSmbiosStringsNoSmbiosTableIsOffered() {
        JsonNode r = run(uki257);
        assertEquals(CMDLINE, r.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
        assertThat(r.path("configTables").findValuesAsText("name")).doesNotContain("SMBIOS3_TABLE");
    }

    @Test
    void profileZeroOfASingleProfileUkiBootsWithTheGivenCommandLine() {
        JsonNode r = run(uki257, "--profile", "0", "--cmdline", "console=ttyAMA0 efikexec.profile=0");
        assertEquals("kernel-entry", r.path("outcome").asText());
        assertEquals("console=ttyAMA0 efikexec.profile=0", r.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
    }

    @Test
    void aMultiProfileUkiBootsTheProfileChosen() {
        Path multi = dir.resolve("multi.efi");
        CliRun b = CliRun.of("uki", "build", "--stub", UkiTest.stub("trixie", "arm64").toString(), "--linux",
                Fixtures.arm64Kernel().toString(), "--cmdline", CMDLINE, "--profile", "ID=default",
                "--profile", "ID=rescue\nTITLE=Rescue", "--profile-cmdline", "console=ttyAMA0 efikexec.rescue=1",
                "-o", multi.toString());
        assertEquals(0, b.exitCode(), b::describe);
        assertEquals(CMDLINE, run(multi, "--profile", "0").path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
        assertEquals("console=ttyAMA0 efikexec.rescue=1",
                run(multi, "--profile", "1").path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
        assertEquals("image-returned", run(multi, "--profile", "2").path("outcome").asText());
    }

    @Test
    void aProfileCommandLineWithoutAProfileIsAUsageError() {
        CliRun r = CliRun.of("uki", "build", "--stub", UkiTest.stub("trixie", "arm64").toString(), "--linux",
                Fixtures.arm64Kernel().toString(), "--profile-cmdline", "x", "-o", dir.resolve("never.efi").toString());
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("--profile");
    }

    /**
     * A .dtb section replaces the firmware's device tree: systemd-stub installs it as the
     * DEVICE_TREE table and the kernel's stub hands that one (with its /chosen) to the kernel.
     */
    @Test
    void theUkisDtbIsTheOneTheKernelGets() throws Exception {
        byte[] target = Fixtures.read(Fixtures.qemuVirtDtb());
        efikexec.model.fdt.Fdt marked = efikexec.model.fdt.Fdt.parse(target);
        marked.root().setProperty("efikexec,uki-dtb", "from the UKI's .dtb");
        Path dtb = Files.write(dir.resolve("marked.dtb"), marked.toBytes());
        for (String suite : List.of("bookworm", "trixie")) {
            Path uki = dir.resolve("dtb-" + suite + ".efi");
            CliRun b = CliRun.of("uki", "build", "--stub", UkiTest.stub(suite, "arm64").toString(), "--linux",
                    Fixtures.arm64Kernel().toString(), "--cmdline", CMDLINE, "--dtb", dtb.toString(), "-o", uki.toString());
            assertEquals(0, b.exitCode(), b::describe);
            InProcessRun r = InProcessRun.run(Files.readAllBytes(uki),
                    efikexec.pe.linux.Arm64ImageHeader.parse(Fixtures.read(Fixtures.arm64Kernel())), uki.getFileName().toString(),
                    target, null, null, null);
            assertEquals(efikexec.emulator.run.Outcome.KERNEL_ENTRY, r.outcome(), r::describe);
            assertThat(r.fdt()).as(suite + ": the FDT at x0").isNotNull();
            assertThat(r.fdt().root().propertyString("efikexec,uki-dtb")).as(suite).contains("from the UKI's .dtb");
            assertThat(r.fdt().node("/chosen").orElseThrow().propertyString("bootargs")).contains(CMDLINE);
        }
    }

    @Test
    void aProfileTheUkiDoesNotHaveEndsWithSystemdsError() {
        CliRun r = CliRun.of("run", uki257.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--profile", "1");
        assertEquals(3, r.exitCode(), r::describe);
        assertThat(r.err()).contains("Unable to locate embedded per-profile PE sections").contains("image-returned");
    }

    @Test
    void profilesAreRefusedForStubsBefore257AndForKernels() {
        CliRun r = CliRun.of("run", uki252.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--profile", "0");
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("systemd-stub 252").contains("257");
        r = CliRun.of("run", Fixtures.arm64Kernel().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--profile", "0");
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("only a UKI has profiles");
    }
}
