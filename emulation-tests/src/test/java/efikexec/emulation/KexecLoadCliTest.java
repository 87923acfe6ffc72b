package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.memmap.source.E820MemorySource;
import efikexec.purgatory.bundle.HandoffElf;
import efikexec.purgatory.bundle.KernelEntry;
import efikexec.purgatory.bundle.Manifest;
import efikexec.purgatory.bundle.StubPlacement;
import efikexec.purgatory.bundle.TargetArch;
import efikexec.purgatory.segment.Segment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * `efikexec handoff --host`, `load`, `exec` and `unload` against a machine described by a copy
 * of its /proc and /sys files (EFIKEXEC_HOST_ROOT's system property): a QEMU q35 guest with 1 GiB,
 * as its /sys/firmware/memmap and /proc/iomem read. Nothing here calls kexec_load: every run
 * either is a --dry-run or is refused before the call (this machine's kernel has no kexec, and a
 * test machine must never load one anyway).
 */
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class KexecLoadCliTest {
    @TempDir
    static Path dir;
    static Path root;
    static Path bundle;
    static CliRun make;

    /** The q35 guest's firmware map as /sys/firmware/memmap has it. */
    static final String[][] Q35 = {
        {"0x0", "0x9fbff", "System RAM"}, {"0x9fc00", "0x9ffff", "Reserved"}, {"0xf0000", "0xfffff", "Reserved"},
        {"0x100000", "0x3ffdffff", "System RAM"}, {"0x3ffe0000", "0x3fffffff", "Reserved"},
        {"0xb0000000", "0xbfffffff", "Reserved"}, {"0xfed1c000", "0xfed1ffff", "Reserved"},
        {"0xfeffc000", "0xfeffffff", "Reserved"}, {"0xfffc0000", "0xffffffff", "Reserved"},
    };

    static void file(Path root, String absolute, String text) throws IOException {
        Path p = root.resolve(absolute.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** A kexec-capable guest where this process may call kexec_load; `change` edits one file. */
    static Path guest(String name, String... change) throws IOException {
        Path r = dir.resolve(name);
        for (int i = 0; i < Q35.length; i++) {
            file(r, "/sys/firmware/memmap/" + i + "/start", Q35[i][0] + "\n");
            file(r, "/sys/firmware/memmap/" + i + "/end", Q35[i][1] + "\n");
            file(r, "/sys/firmware/memmap/" + i + "/type", Q35[i][2] + "\n");
        }
        file(r, "/proc/iomem", "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
                + "00100000-3ffdffff : System RAM\n  01000000-01ffffff : Kernel code\n");
        file(r, "/proc/consoles", "ttyS0                -W- (EC p a)    4:64\n");
        file(r, "/sys/kernel/kexec_loaded", "0\n");
        file(r, "/proc/sys/kernel/kexec_load_disabled", "0\n");
        file(r, "/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
        file(r, "/proc/self/status", "CapEff:\t000001ffffffffff\n");
        for (int i = 0; i + 1 < change.length; i += 2) file(r, change[i], change[i + 1]);
        return r;
    }

    static CliRun on(Path host, String... args) {
        System.setProperty("efikexec.hostRoot", host.toString());
        try {
            return CliRun.of(args);
        } finally {
            System.clearProperty("efikexec.hostRoot");
        }
    }

    @BeforeAll
    static void makeABundleForTheGuest() throws IOException {
        root = guest("q35");
        bundle = dir.resolve("bundle");
        make = on(root, "handoff", Fixtures.amd64Kernel().toString(), "--host", "--cmdline", "console=ttyS0",
                "-o", bundle.toString());
    }

    @AfterAll
    static void clear() {
        System.clearProperty("efikexec.hostRoot");
    }

    @Test
    void handoffHostMakesABundleForThatMachineAndDryRunAcceptsIt() {
        assertEquals(0, make.exitCode(), make::describe);
        JsonNode m = CliRun.json(bundle.resolve("manifest.json"));
        assertThat(m.path("target").path("ram")).hasSize(2);
        assertThat(m.path("target").path("ram").get(1).path("end").asText()).isEqualTo("0x3ffe0000");
        CliRun dry = on(root, "load", bundle.toString(), "--dry-run");
        assertEquals(0, dry.exitCode(), dry::describe);
        assertThat(dry.out()).contains("would load (--dry-run, nothing loaded)")
                .containsPattern("kexec_load\\(entry 0x[0-9a-f]+, \\d+ segments, KEXEC_ARCH_DEFAULT\\)");
        assertThat(dry.err()).isEmpty();
    }

    @Test
    void anotherMachinesBundleIsRefusedWithExit4() throws IOException {
        // the refusals (exit 4): the machine, not the file, does not fit
        Path bigger = guest("bigger", "/sys/firmware/memmap/3/end", "0x7ffdffff\n");
        CliRun r = on(bigger, "load", bundle.toString(), "--dry-run");
        assertEquals(4, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("made for another machine")
                .contains("[0x100000-0x3ffe0000)");
    }

    static Path syntheticBundle(String name, List<Segment> segments, TargetMemory target) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        byte[] stub = new byte[0x100];
        new HandoffElf(TargetArch.X86_64, segments, 0x20_4000, stub).writeTo(d.resolve("handoff.elf"));
        Map<String, Object> m = Manifest.of(TargetArch.X86_64, segments, new StubPlacement(0x20_4000, stub.length),
                new KernelEntry(0x100_0000, Map.of()));
        m.put("target", Manifest.target(target));
        CliRun.JSON.writeValue(d.resolve("manifest.json").toFile(), m);
        return d;
    }

    @Test
    void seventeenSegmentsOrOneOverTheCrashKernelFailWithExit2NamingIt() throws IOException {
        TargetMemory q35 = E820MemorySource.q35Default();
        List<Segment> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) many.add(new Segment(0x100_0000L + i * 0x10000L, new byte[] {1}, 0x1000));
        CliRun r = on(root, "load", syntheticBundle("many", many, q35).toString(), "--dry-run");
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().endsWith("17 PT_LOADs, kexec_load(2) takes at most 16 segments");

        Path crash = guest("crash", "/proc/iomem", "00100000-3ffdffff : System RAM\n  1c000000-1cffffff : Crash kernel\n");
        List<PhysicalRange> reserved = new ArrayList<>(q35.reserved());
        reserved.add(new PhysicalRange(0x1c00_0000L, 0x100_0000L));
        reserved.sort(null);
        Path over = syntheticBundle("crash", List.of(new Segment(0x1c80_0000L, new byte[] {1}, 0x1000)),
                new TargetMemory(q35.ram(), reserved));
        CliRun c = on(crash, "load", over.toString(), "--dry-run");
        assertEquals(2, c.exitCode(), c::describe);
        assertThat(c.errLines()).singleElement().asString()
                .contains("segment 1 [0x1c800000-0x1c801000) bufsz 1 overlaps this machine's reserved range [0x1c000000-0x1d000000)");
    }

    @Test
    void refusalsSayWhyWithExit4() throws IOException {
        String[][] cases = {
            {"/sys/kernel/security/lockdown", "none [integrity] confidentiality\n", "kernel lockdown (integrity"},
            {"/proc/sys/kernel/kexec_load_disabled", "1\n", "kexec_load_disabled is 1"},
            {"/proc/self/status", "CapEff:\t0000000000000000\n", "needs CAP_SYS_BOOT"},
        };
        for (String[] c : cases) {
            Path host = guest("refuse" + c[0].hashCode(), c[0], c[1]);
            for (String[] args : new String[][] {{"load", bundle.toString()}, {"exec"}, {"unload"}}) {
                CliRun r = on(host, args);
                assertEquals(4, r.exitCode(), r::describe);
                assertThat(r.errLines()).singleElement().asString().startsWith("efikexec: ").contains(c[2]);
            }
        }
        Path noKexec = guest("nokexec");
        Files.delete(noKexec.resolve("sys/kernel/kexec_loaded"));
        CliRun r = on(noKexec, "load", bundle.toString());
        assertEquals(4, r.exitCode(), r::describe);
        assertThat(r.err()).contains("built without kexec (CONFIG_KEXEC)");
        CliRun nothing = on(root, "exec");
        assertEquals(4, nothing.exitCode(), nothing::describe);
        assertThat(nothing.errLines()).containsExactly(
                "efikexec: nothing is loaded (/sys/kernel/kexec_loaded is 0): run efikexec load first");
    }

    @Test
    void anImageIsLoadedOnlyWithHost() {
        CliRun r = on(root, "load", Fixtures.amd64Kernel().toString(), "--dry-run");
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("add --host");
    }
}
