package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian bookworm's amd64 kernel (its stub decompresses the xz kernel itself, ~4.5 G guest
 * instructions) run to startup_64 on the default q35-like 1 GiB target.
 */
class X86KernelEntryTest {
    static final String CMDLINE = "console=ttyS0 nokaslr";

    @TempDir
    static Path dir;

    static CliRun run;
    static JsonNode report;

    @BeforeAll
    static void runOnce() {
        Path r = dir.resolve("x86.json");
        run = CliRun.of("run", Fixtures.amd64Kernel().toString(), "--cmdline", CMDLINE, "--report", r.toString(),
                "--timeout", "120");
        report = Files.exists(r) ? CliRun.json(r) : null;
    }

    @Test
    void reachesStartup64WithBootParamsInRsi() {
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("kernel-entry", report.path("outcome").asText());
        JsonNode entry = report.path("kernelEntry");
        // nokaslr: the stub decompresses to LOAD_PHYSICAL_ADDR (16 MiB), where startup_64 is.
        assertEquals("0x1000000", entry.path("pc").asText());
        assertEquals(entry.path("registers").path("rsi").asText(), entry.path("bootParams").path("address").asText());
        assertEquals("x86_64", report.path("image").path("arch").asText());
        assertEquals("x86-bzimage", report.path("image").path("format").asText());
    }

    @Test
    void bootParamsCarryOurCommandLineAndSystemTable() {
        JsonNode bp = report.path("kernelEntry").path("bootParams");
        assertEquals(CMDLINE, bp.path("cmdline").asText());
        JsonNode efi = bp.path("efiInfo");
        assertEquals("EL64", efi.path("loaderSignature").asText());
        assertThat(efi.path("signatureValid").asBoolean()).isTrue();
        assertEquals(48, efi.path("memoryDescriptorSize").asInt());
        assertThat(CliRun.hex(efi.path("systemTable"))).isNotZero();
        assertThat(efi.path("memoryMapSize").asLong()).isPositive().isEqualTo(efi.path("memoryMapSize").asLong() / 48 * 48);
    }

    @Test
    void theE820TableKeepsTheTargetsReservedRangesAndUsableRam() {
        JsonNode e820 = report.path("kernelEntry").path("bootParams").path("e820");
        assertThat(e820.size()).isGreaterThan(3);
        boolean reservedBios = false;
        long usable = 0;
        for (JsonNode e : e820) {
            long start = CliRun.hex(e.path("start")), size = CliRun.hex(e.path("size"));
            if (e.path("type").asText().equals("reserved") && start <= 0xf0000 && start + size >= 0x100000) reservedBios = true;
            if (e.path("type").asText().equals("usable")) usable += size;
        }
        assertThat(reservedBios).as("the BIOS area 0xf0000-0xfffff stays reserved: %s", e820).isTrue();
        // usable RAM of the q35 1 GiB map is ~1023 MiB; the stub's and firmware's data are not usable.
        assertThat(usable).isBetween(512L << 20, 1024L << 20);
    }

    @Test
    void theStubPrintsNothingAndCallsTheServicesEfiNotesList() {
        assertEquals("", report.path("console").asText());
        JsonNode counts = report.path("serviceCallCounts");
        for (String s : new String[] {"GetMemoryMap", "AllocatePages", "ExitBootServices", "LocateProtocol"}) {
            assertThat(counts.path(s).asInt()).as(s).isPositive();
        }
        assertThat(report.path("unimplementedCalls").size()).isZero();
    }

    @Test
    void anX86AppThatReturnsEndsImageReturned(@TempDir Path tmp) throws Exception {
        Path app = Files.write(tmp.resolve("bootx64.efi"), Fixtures.x86_64Pe());
        Path r = tmp.resolve("r.json");
        CliRun ret = CliRun.of("run", app.toString(), "--report", r.toString());
        assertEquals(3, ret.exitCode(), ret::describe);
        JsonNode rep = CliRun.json(r);
        assertEquals("image-returned", rep.path("outcome").asText());
        assertThat(rep.path("fault").path("message").asText()).contains("SUCCESS").contains("before");
        assertEquals("0x0", rep.path("fault").path("registers").path("rax").asText());
    }
}
