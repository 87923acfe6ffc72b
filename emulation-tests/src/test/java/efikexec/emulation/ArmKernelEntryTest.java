package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import efikexec.bootservices.table.ConfigTables;
import efikexec.emulator.run.Outcome;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.fdt.FdtNode;
import efikexec.pe.linux.Arm64ImageHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian bookworm's arm64 kernel (6.1) run to its first instruction against the QEMU virt DTB:
 * through the command line (report, trace, serial) and in-process, where the guest memory the
 * kernel receives can be read before the engine closes. The expensive runs happen once, in
 * {@link #runOnce()}; the tests read their results.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArmKernelEntryTest {
    static final String CMDLINE = "console=ttyAMA0 nokaslr";
    /** 64 KiB aligned (the PE section alignment) but not 2 MiB aligned: the stub must move the Image. */
    static final long MISALIGNED_LOAD = 0x40210000L;
    static final long TWO_MIB = 2L << 20;
    static final long RAM_START = 0x40000000L;
    static final long RAM_END = RAM_START + (1L << 30);

    /** Outputs of every run of this class (a class-wide temporary directory). */
    Path dir;

    Path kernel;
    Path dtb;
    byte[] kernelBytes;
    Arm64ImageHeader header;
    byte[] initrd;

    CliRun first;
    CliRun second;
    JsonNode report;
    JsonNode report2;
    InProcessRun inPlace;
    InProcessRun moved;

    @BeforeAll
    void runOnce(@TempDir Path tmp) throws IOException {
        dir = tmp;
        kernel = Fixtures.arm64Kernel();
        dtb = Fixtures.qemuVirtDtb();
        kernelBytes = Fixtures.read(kernel);
        header = Arm64ImageHeader.parse(kernelBytes);
        initrd = Fixtures.initrd();

        first = cliRun("1");
        second = cliRun("2");
        report = Files.exists(dir.resolve("report-1.json")) ? CliRun.json(dir.resolve("report-1.json")) : null;
        report2 = Files.exists(dir.resolve("report-2.json")) ? CliRun.json(dir.resolve("report-2.json")) : null;

        byte[] dtbBytes = Fixtures.read(dtb);
        inPlace = InProcessRun.run(kernelBytes, dtbBytes, CMDLINE, initrd, null);
        moved = InProcessRun.run(kernelBytes, dtbBytes, CMDLINE, null, MISALIGNED_LOAD);
    }

    private CliRun cliRun(String n) {
        return CliRun.of("run", kernel.toString(), "--dtb", dtb.toString(), "--cmdline", CMDLINE,
                "--report", dir.resolve("report-" + n + ".json").toString(),
                "--trace", dir.resolve("trace-" + n + ".jsonl").toString(),
                "--serial", dir.resolve("serial-" + n + ".txt").toString(), "--quiet");
    }

    private JsonNode report() {
        assertEquals(0, first.exitCode(), first::describe);
        assertNotNull(report, "no report written\n" + first.describe());
        return report;
    }

    // ------------------------------------------------------------------ the CLI run

    @Test
    void cliRunReachesKernelEntry() {
        JsonNode r = report();
        assertEquals("efikexec.run/1", r.path("schema").asText());
        assertEquals("kernel-entry", r.path("outcome").asText(), () -> r.toPrettyString());
        assertTrue(r.path("fault").isNull(), () -> "fault: " + r.path("fault"));
        assertTrue(r.path("exitBootServices").isObject(), "exitBootServices milestone missing");
        assertTrue(r.path("kernelEntry").isObject(), "kernelEntry missing");
        assertEquals("", first.err(), "stderr of a successful run");
        assertEquals("", first.out(), "--quiet prints nothing on success");
    }

    @Test
    void reportNamesTheImage() throws Exception {
        JsonNode img = report().path("image");
        assertEquals(kernel.toString(), img.path("path").asText());
        assertEquals("arm64-linux-image", img.path("format").asText());
        assertEquals("aarch64", img.path("arch").asText());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(kernelBytes));
        assertEquals(sha, img.path("sha256").asText());
        assertEquals(CMDLINE, report().path("cmdline").asText());
    }

    @Test
    void entryPcIsPrimaryEntryOfTheImageRunInPlace() {
        JsonNode r = report();
        long load = CliRun.hex(r.path("image").path("loadAddress"));
        long pc = CliRun.hex(r.path("kernelEntry").path("pc"));
        assertEquals(0, load % TWO_MIB, "the firmware's own choice of load address should be 2 MiB aligned");
        assertEquals(load + header.primaryEntryOffset(), pc,
                String.format("pc 0x%x, load 0x%x + primary_entry 0x%x", pc, load, header.primaryEntryOffset()));
        assertEquals(pc, CliRun.hex(r.path("kernelEntry").path("registers").path("pc")));

        // the same offset as `inspect --json` shows it
        CliRun inspect = CliRun.of("inspect", kernel.toString(), "--json");
        assertEquals(0, inspect.exitCode(), inspect::describe);
        long primary = CliRun.hex(CliRun.json(inspect.out()).path("arm64Image").path("primaryEntry"));
        assertEquals(pc, load + primary);
    }

    @Test
    void reportShowsTheFdtAtX0() {
        JsonNode k = report().path("kernelEntry");
        long x0 = CliRun.hex(k.path("registers").path("x0"));
        assertEquals(x0, CliRun.hex(k.path("fdt").path("address")), "kernelEntry.fdt is the tree at x0");
        JsonNode chosen = k.path("fdt").path("chosen");
        assertEquals(CMDLINE, chosen.path("bootargs").asText());
        assertEquals(MemoryMap.DESCRIPTOR_SIZE, CliRun.hex(chosen.path("linux,uefi-mmap-desc-size")));
        assertEquals(MemoryMap.DESCRIPTOR_VERSION, CliRun.hex(chosen.path("linux,uefi-mmap-desc-ver")));
        assertTrue(chosen.has("linux,uefi-system-table"), chosen::toPrettyString);
        assertTrue(x0 >= RAM_START && x0 < RAM_END, "x0 in RAM");
        assertTrue(report().path("kernelEntry").path("initrd").isMissingNode(), "no initrd given, none reported");
    }

    @Test
    void consoleShowsTheStubBootingAndExiting() throws IOException {
        String console = report().path("console").asText();
        int booting = console.indexOf("EFI stub: Booting Linux Kernel...");
        int exiting = console.indexOf("EFI stub: Exiting boot services...");
        assertTrue(booting >= 0, console);
        assertTrue(exiting > booting, console);
        assertEquals(console, Files.readString(dir.resolve("serial-1.txt")), "--serial holds the console text");
    }

    @Test
    void traceHasOneLinePerServiceCall() throws IOException {
        JsonNode r = report();
        List<String> lines = Files.readAllLines(dir.resolve("trace-1.jsonl"));
        assertEquals(r.path("serviceCalls").asInt(), lines.size());
        int sum = 0;
        for (Iterator<JsonNode> it = r.path("serviceCallCounts").elements(); it.hasNext(); ) sum += it.next().asInt();
        assertEquals(lines.size(), sum, "serviceCallCounts add up to serviceCalls");
        for (int i = 0; i < lines.size(); i++) {
            JsonNode call = CliRun.json(lines.get(i));
            assertEquals(i + 1, call.path("seq").asInt(), lines.get(i));
            assertTrue(call.path("name").isTextual(), lines.get(i));
            assertTrue(call.path("status").isTextual(), lines.get(i));
        }
        JsonNode last = CliRun.json(lines.get(lines.size() - 1));
        assertEquals("ExitBootServices", last.path("name").asText(), "the 6.1 stub calls nothing after EBS");
        assertEquals("SUCCESS", last.path("status").asText());
        assertEquals(0, r.path("unimplementedCalls").size(), () -> r.path("unimplementedCalls").toString());
    }

    @Test
    void reportMemoryMapIsSortedDisjointAndCoversTheImage() {
        JsonNode r = report();
        long load = CliRun.hex(r.path("image").path("loadAddress"));
        long prevEnd = -1;
        int covering = 0;
        for (JsonNode d : r.path("memoryMap")) {
            long start = CliRun.hex(d.path("start"));
            long end = start + d.path("pages").asLong() * MemoryMap.PAGE_SIZE;
            assertEquals(0, start % MemoryMap.PAGE_SIZE, d::toString);
            assertTrue(d.path("pages").asLong() > 0, d::toString);
            assertTrue(start >= prevEnd, () -> "sorted and disjoint: " + d);
            prevEnd = end;
            if (d.path("type").asText().equals("EfiLoaderCode") && start <= load && load + header.imageSize() <= end) {
                covering++;
            }
        }
        assertEquals(1, covering, "one EfiLoaderCode descriptor covers the Image with its BSS");
    }

    @Test
    void reportListsTheConfigTables() {
        List<String> names = new ArrayList<>();
        for (JsonNode t : report().path("configTables")) names.add(t.path("name").asText());
        assertThat(names).contains("DEVICE_TREE", "RT_PROPERTIES_TABLE").doesNotHaveDuplicates();
    }

    @Test
    void sameInputsGiveTheSameReportAndTrace() throws IOException {
        assertEquals(0, second.exitCode(), second::describe);
        assertNotNull(report2);
        assertEquals(CliRun.normalized(report()), CliRun.normalized(report2),
                "reports differ beyond millis and timing");
        assertEquals(-1, Files.mismatch(dir.resolve("trace-1.jsonl"), dir.resolve("trace-2.jsonl")), "traces differ");
        assertEquals(-1, Files.mismatch(dir.resolve("serial-1.txt"), dir.resolve("serial-2.txt")), "serial differs");
    }

    /** The report text without "millis" fields and the "timing" object. */

    // ------------------------------------------------------------------ guest memory at entry

    private InProcessRun inPlace() {
        assertEquals(Outcome.KERNEL_ENTRY, inPlace.outcome(), inPlace::describe);
        return inPlace;
    }

    @Test
    void inProcessEntryIsPrimaryEntryWithX0AtAnFdt() {
        InProcessRun r = inPlace();
        assertEquals(r.loadAddress() + header.primaryEntryOffset(), r.pc());
        assertNull(r.fdtError(), r.fdtError());
        assertNotNull(r.fdt());
        assertThat(r.console()).contains("EFI stub: Booting Linux Kernel...", "EFI stub: Exiting boot services...");
    }

    @Test
    void chosenHasTheCmdlineAndTheSystemTable() {
        InProcessRun r = inPlace();
        FdtNode chosen = r.fdt().node("/chosen").orElseThrow();
        assertEquals(CMDLINE, chosen.propertyString("bootargs").orElseThrow());
        assertEquals(r.systemTable(), chosen.propertyU64("linux,uefi-system-table").orElseThrow());
        assertEquals(MemoryMap.DESCRIPTOR_SIZE, chosen.propertyU32("linux,uefi-mmap-desc-size").orElseThrow());
        assertEquals(MemoryMap.DESCRIPTOR_VERSION, chosen.propertyU32("linux,uefi-mmap-desc-ver").orElseThrow());
        long size = chosen.propertyU32("linux,uefi-mmap-size").orElseThrow();
        assertTrue(size > 0 && size % MemoryMap.DESCRIPTOR_SIZE == 0, "mmap size " + size);
        // the target's own tree came through the DEVICE_TREE table: its memory node is there
        assertTrue(r.fdt().root().children().stream().anyMatch(n -> n.name().startsWith("memory@")),
                "the DTB's memory node");
    }

    @Test
    void kernelMemoryMapIsValidAndCoversTheImageWithOneLoaderCodeDescriptor() {
        InProcessRun r = inPlace();
        assertNull(r.kernelMapError(), r.kernelMapError());
        List<MemoryDescriptor> map = r.kernelMap();
        assertValidMap(map);
        assertCoveredByOneLoaderCode(map, r.loadAddress());
    }

    @Test
    void kernelMemoryMapIsTheFirmwaresFinalMap() {
        InProcessRun r = inPlace();
        assertEquals(r.firmwareMap(), r.kernelMap(), "the map at /chosen is what the firmware handed out");
    }

    @Test
    void whatTheKernelReadsLiesInMemoryItKeeps() {
        InProcessRun r = inPlace();
        List<MemoryDescriptor> map = r.kernelMap();
        assertEquals(MemoryType.RUNTIME_SERVICES_DATA, typeAt(map, r.systemTable()), "system table");
        FdtNode chosen = r.fdt().node("/chosen").orElseThrow();
        long mmap = chosen.propertyU64("linux,uefi-mmap-start").orElseThrow();
        for (Map.Entry<String, Long> e : Map.of("FDT", r.x0(), "memory map", mmap).entrySet()) {
            MemoryType t = typeAt(map, e.getValue());
            assertNotNull(t, e.getKey() + " outside the map");
            assertNotEquals(MemoryType.CONVENTIONAL, t, e.getKey() + " in free memory");
        }
        for (ConfigTables.Entry t : r.configTables()) {
            MemoryType type = typeAt(map, t.table());
            assertNotNull(type, KnownGuids.name(t.guid()) + " outside the map");
            assertNotEquals(MemoryType.CONVENTIONAL, type, KnownGuids.name(t.guid()) + " in free memory");
        }
    }

    @Test
    void initrdTablePointsAtOurInitrd() {
        InProcessRun r = inPlace();
        assertThat(r.console()).contains("Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        assertNotNull(r.initrdTable(), "no LINUX_EFI_INITRD_MEDIA config table");
        assertEquals(initrd.length, r.initrdSize());
        assertNotNull(r.initrdBytes(), String.format("initrd 0x%x + 0x%x not readable", r.initrdBase(), r.initrdSize()));
        assertEquals(-1, java.util.Arrays.mismatch(initrd, r.initrdBytes()), "initrd bytes differ");
        assertEquals(MemoryType.LOADER_DATA, typeAt(r.kernelMap(), r.initrdBase()));
        assertTrue(r.kernelMap().stream().anyMatch(d -> d.physicalStart() <= r.initrdBase()
                && r.initrdBase() + r.initrdSize() <= d.end()), "initrd inside one descriptor");
    }

    @Test
    void misalignedLoadAddressMakesTheStubEnterACopy() {
        InProcessRun r = moved;
        assertEquals(Outcome.KERNEL_ENTRY, r.outcome(), r::describe);
        assertEquals(MISALIGNED_LOAD, r.loadAddress());
        assertNotEquals(MISALIGNED_LOAD + header.primaryEntryOffset(), r.pc(), "the stub ran the Image in place");
        long copy = r.pc() - header.primaryEntryOffset();
        assertNotNull(r.imageHeaderAtEntry(), String.format("nothing mapped at 0x%x", copy));
        Arm64ImageHeader h = Arm64ImageHeader.parse(r.imageHeaderAtEntry());
        assertEquals(header.code1(), h.code1());
        assertEquals(header.imageSize(), h.imageSize());
        assertEquals(0, (copy - header.textOffset()) % TWO_MIB, String.format("copy at 0x%x is not 2 MiB aligned", copy));
        assertThat(r.console()).contains("EFI stub: Exiting boot services...");
        assertNull(r.kernelMapError(), r.kernelMapError());
        assertValidMap(r.kernelMap());
        assertCoveredByOneLoaderCode(r.kernelMap(), copy);
        assertNull(r.initrdTable(), "no initrd given, yet a LINUX_EFI_INITRD_MEDIA table");
    }

    private static MemoryType typeAt(List<MemoryDescriptor> map, long address) {
        for (MemoryDescriptor d : map) if (d.contains(address)) return d.type();
        return null;
    }

    private static void assertValidMap(List<MemoryDescriptor> map) {
        assertNotNull(map);
        assertThat(map).isNotEmpty();
        long prevEnd = Long.MIN_VALUE;
        for (MemoryDescriptor d : map) {
            assertEquals(0, d.physicalStart() % MemoryMap.PAGE_SIZE, () -> "page aligned: " + d);
            assertTrue(d.numberOfPages() > 0, () -> "empty: " + d);
            assertTrue(d.physicalStart() >= prevEnd, () -> "sorted and disjoint: " + d + " in\n" + map);
            assertTrue(d.physicalStart() >= RAM_START && d.end() <= RAM_END, () -> "outside RAM: " + d);
            assertNotNull(d.type(), () -> "undefined type: " + d);
            prevEnd = d.end();
        }
    }

    private void assertCoveredByOneLoaderCode(List<MemoryDescriptor> map, long imageBase) {
        long end = imageBase + header.imageSize();
        List<MemoryDescriptor> covering = map.stream()
                .filter(d -> d.type() == MemoryType.LOADER_CODE && d.physicalStart() <= imageBase && end <= d.end())
                .toList();
        assertEquals(1, covering.size(), () -> String.format(
                "[0x%x, 0x%x) (Image with BSS) is not inside one EfiLoaderCode descriptor:%n%s", imageBase, end, map));
    }

    // ------------------------------------------------------------------ stop points and budgets

    @Test
    void untilEbsStopsAfterExitBootServices() {
        Path rep = dir.resolve("ebs.json");
        CliRun run = CliRun.of("run", kernel.toString(), "--dtb", dtb.toString(), "--cmdline", CMDLINE,
                "--until", "ebs", "--report", rep.toString());
        assertEquals(0, run.exitCode(), run::describe);
        JsonNode r = CliRun.json(rep);
        assertEquals("exit-boot-services", r.path("outcome").asText());
        assertTrue(r.path("exitBootServices").isObject());
        assertTrue(r.path("kernelEntry").isNull());
        assertThat(r.path("console").asText()).contains("EFI stub: Exiting boot services...");
    }

    @Test
    void tinyInstructionBudgetEndsInLimitWithExit3() {
        Path rep = dir.resolve("limit.json");
        CliRun run = CliRun.of("run", kernel.toString(), "--dtb", dtb.toString(), "--cmdline", CMDLINE,
                "--max-instructions", "1000", "--report", rep.toString());
        assertEquals(3, run.exitCode(), run::describe);
        JsonNode r = CliRun.json(rep);
        assertEquals("limit", r.path("outcome").asText());
        assertEquals("instruction-limit", r.path("fault").path("kind").asText(), () -> r.path("fault").toString());
        assertTrue(r.path("kernelEntry").isNull());
        assertTrue(r.path("exitBootServices").isNull());
        assertThat(run.err()).doesNotContain("at efikexec");
    }

    @Test
    void tinyTimeoutEndsInLimitWithExit3OrFinishes() {
        Path rep = dir.resolve("timeout.json");
        CliRun run = CliRun.of("run", kernel.toString(), "--dtb", dtb.toString(), "--cmdline", CMDLINE,
                "--timeout", "0.001", "--report", rep.toString());
        JsonNode r = CliRun.json(rep);
        String outcome = r.path("outcome").asText();
        assertThat(outcome).isIn("limit", "kernel-entry");
        if (outcome.equals("limit")) {
            assertEquals(3, run.exitCode(), run::describe);
            assertEquals("timeout", r.path("fault").path("kind").asText());
        } else {
            assertEquals(0, run.exitCode(), run::describe);
        }
    }
}
