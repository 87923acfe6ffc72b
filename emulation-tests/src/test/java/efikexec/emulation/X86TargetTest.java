package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareOptions;
import efikexec.emulator.cpu.X64Adapter;
import efikexec.emulator.run.EfiRunner;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunLimits;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.run.Until;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.emulator.unicorn.UnicornRuntime;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.source.E820MemorySource;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian bookworm's amd64 kernel on targets described from the command line: --initrd, --memmap
 * as kernel-log text and as a /sys/firmware/memmap copy, KASLR with --seed, a RAM too small for
 * the decompressed kernel and one too small for the firmware, `inspect` on the bzImage. The
 * kernel runs (~3.5 s each) happen once, one after the other, in {@link #runOnce}; the tests read
 * their results.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class X86TargetTest {
    static final String NOKASLR = "console=ttyS0 nokaslr";
    static final String KASLR = "console=ttyS0";
    /** LOAD_PHYSICAL_ADDR of Debian's config: where startup_64 is with nokaslr. */
    static final long LOAD_PHYSICAL_ADDR = 0x1000000L;
    static final long TWO_MIB = 2L << 20;
    static final long PAGE = MemoryMap.PAGE_SIZE;
    /** Past the stub's GetMemoryMap and kernel allocation (its 12th service call), into decompression. */

    /** One e820 entry of the target, [start, end] with an inclusive end as e820 prints it. */
    record E820(long start, long end, boolean usable) {
        long endExclusive() {
            return end + 1;
        }
    }

    /** The extra reserved range inside RAM that the q35 map does not have. */
    static final E820 EXTRA_RESERVED = new E820(0x20000000L, 0x201fffffL, false);

    /**
     * A q35-like table (QEMU -M q35 -m 1G under SeaBIOS) with its RAM above 1 MiB split by
     * {@link #EXTRA_RESERVED}; the first usable range ends off a page boundary as on real
     * machines.
     */
    static final List<E820> TARGET = List.of(
            new E820(0x0L, 0x9fbffL, true),
            new E820(0x9fc00L, 0x9ffffL, false),
            new E820(0xf0000L, 0xfffffL, false),
            new E820(0x100000L, 0x1fffffffL, true),
            EXTRA_RESERVED,
            new E820(0x20200000L, 0x3ffdffffL, true),
            new E820(0x3ffe0000L, 0x3fffffffL, false),
            new E820(0xb0000000L, 0xbfffffffL, false),
            new E820(0xfed1c000L, 0xfed1ffffL, false),
            new E820(0xfeffc000L, 0xfeffffffL, false),
            new E820(0xfffc0000L, 0xffffffffL, false));

    /** EFI memory types the stub's setup_e820 turns into e820 RAM (arch/x86 x86-stub.c). */
    static final Set<String> EFI_TYPES_THAT_STAY_RAM = Set.of("EfiConventionalMemory", "EfiLoaderCode",
            "EfiLoaderData", "EfiBootServicesCode", "EfiBootServicesData");

    Path dir;
    Path kernel;
    byte[] initrd;
    Path initrdFile;

    /** --memmap text, --initrd, nokaslr, twice (a, b). */
    Run a;
    Run b;
    /** The same, stopped at ExitBootServices: with the table as text, and as a sysfs copy. */
    Run textLimited;
    Run sysfsLimited;
    /** KASLR, --seed 5, twice, on the default q35 target, no initrd. */
    Run kaslr1;
    Run kaslr2;
    /** KASLR, --seed 6. */
    Run kaslr6;
    /** RAM with no free region large enough for the decompressed kernel. */
    Run small;
    /** In-process on the default target with the initrd: guest memory read at kernel entry. */
    Entry inProcess;
    double inProcessSeconds;

    /** A CLI run and what it wrote. */
    record Run(CliRun cli, JsonNode json, Path trace, double seconds) {
        JsonNode report() {
            assertNotNull(json, () -> "no report written\n" + cli.describe());
            return json;
        }

        JsonNode entered() {
            assertEquals(0, cli.exitCode(), cli::describe);
            assertEquals("kernel-entry", report().path("outcome").asText(), () -> json.toPrettyString());
            return json;
        }

        JsonNode bootParams() {
            return entered().path("kernelEntry").path("bootParams");
        }
    }

    @BeforeAll
    void runOnce(@TempDir Path tmp) throws Exception {
        long t0 = System.nanoTime();
        dir = tmp;
        kernel = Fixtures.amd64Kernel();
        UnicornRuntime runtime = InProcessRun.unicorn();
        initrd = Fixtures.initrd();
        initrdFile = Files.write(dir.resolve("initrd.cpio"), initrd);
        // Same file name, so that both reports name the target "memmap target".
        Path text = Files.createDirectories(dir.resolve("text")).resolve("target");
        Files.writeString(text, dmesg(TARGET));
        Path sysfsDir = sysfsCopy(TARGET, dir.resolve("sysfs").resolve("target"));
        byte[] kernelBytes = Fixtures.read(kernel);

        // One run at a time: two engines at once on two cores were slower in total.
        a = cli("a", NOKASLR, "--memmap", text.toString(), "--initrd", initrdFile.toString());
        b = cli("b", NOKASLR, "--memmap", text.toString(), "--initrd", initrdFile.toString());
        // The two forms of the table build the same firmware: compared up to ExitBootServices
        // (instruction budgets are arm64 only).
        textLimited = cli("text-limited", NOKASLR, "--memmap", text.toString(), "--initrd", initrdFile.toString(),
                "--until", "ebs");
        sysfsLimited = cli("sysfs-limited", NOKASLR, "--memmap", sysfsDir.toString(), "--initrd",
                initrdFile.toString(), "--until", "ebs");
        kaslr1 = cli("kaslr1", KASLR, "--seed", "5");
        kaslr2 = cli("kaslr2", KASLR, "--seed", "5");
        kaslr6 = cli("kaslr6", KASLR, "--seed", "6");
        long t = System.nanoTime();
        inProcess = Entry.run(runtime, kernelBytes, NOKASLR, initrd);
        inProcessSeconds = (System.nanoTime() - t) / 1e9;
        small = cli("small", NOKASLR, "--ram", "0x0:0x9f000,0x100000:0x2000000", "--timeout", "30");
        System.out.printf("X86TargetTest: runs took %.1f s (a %.1f, b %.1f, limited %.1f/%.1f, kaslr %.1f/%.1f,"
                + " in-process %.1f, small %.1f)%n", (System.nanoTime() - t0) / 1e9, a.seconds, b.seconds,
                textLimited.seconds, sysfsLimited.seconds, kaslr1.seconds, kaslr2.seconds, inProcessSeconds,
                small.seconds);
    }

    private Run cli(String name, String cmdline, String... more) {
        Path report = dir.resolve("report-" + name + ".json");
        Path trace = dir.resolve("trace-" + name + ".jsonl");
        List<String> args = new ArrayList<>(List.of("run", kernel.toString(), "--cmdline", cmdline, "--report",
                report.toString(), "--trace", trace.toString(), "--quiet"));
        args.addAll(List.of(more));
        long t0 = System.nanoTime();
        CliRun run = CliRun.of(args);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(run, Files.exists(report) ? CliRun.json(report) : null, trace, seconds);
    }

    /** The table as the kernel logs it (e820__print_table: %#018Lx, inclusive end). */
    static String dmesg(List<E820> table) {
        StringBuilder sb = new StringBuilder("[    0.000000] BIOS-provided physical RAM map:\n");
        for (E820 e : table) {
            sb.append(String.format("[    0.000000] BIOS-e820: [mem %#018x-%#018x] %s%n", e.start, e.end,
                    e.usable ? "usable" : "reserved"));
        }
        return sb.toString();
    }

    /** The table as /sys/firmware/memmap shows it: N/start, N/end (inclusive), N/type. */
    static Path sysfsCopy(List<E820> table, Path root) throws IOException {
        for (int i = 0; i < table.size(); i++) {
            E820 e = table.get(i);
            Path entry = Files.createDirectories(root.resolve(Integer.toString(i)));
            Files.writeString(entry.resolve("start"), String.format("0x%x%n", e.start));
            Files.writeString(entry.resolve("end"), String.format("0x%x%n", e.end));
            Files.writeString(entry.resolve("type"), (e.usable ? "System RAM" : "Reserved") + "\n");
        }
        return root;
    }

    // ------------------------------------------------------------------ 1. --initrd

    @Test
    void initrdReachesTheKernelThroughBootParamsAndTheInitrdTable() {
        JsonNode r = a.entered();
        JsonNode bp = a.bootParams();
        JsonNode table = r.path("kernelEntry").path("initrd");
        // The 6.1 x86 stub loads the initrd through LoadFile2 on the LINUX_EFI_INITRD_MEDIA device
        // path, records it in the config table of that GUID and sets boot_params' ramdisk fields:
        // both name the same bytes.
        assertTrue(table.isObject(), () -> "no LINUX_EFI_INITRD_MEDIA table at entry: " + r.path("kernelEntry"));
        assertEquals(initrd.length, bp.path("ramdisk").path("size").asLong());
        assertEquals(initrd.length, table.path("size").asLong());
        assertEquals(CliRun.hex(table.path("base")), CliRun.hex(bp.path("ramdisk").path("image")));
        assertThat(r.path("console").asText()).contains("Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path");
        assertThat(r.path("serviceCallCounts").path("LoadFile2.LoadFile").asInt()).isPositive();
        // The initrd lies in LoaderData of the memory map the kernel receives.
        long base = CliRun.hex(table.path("base"));
        JsonNode d = descriptorAt(r.path("memoryMap"), base);
        assertNotNull(d, "initrd outside the memory map");
        assertEquals("EfiLoaderData", d.path("type").asText());
        assertTrue(base + initrd.length <= end(d), () -> "initrd runs past its descriptor " + d);
    }

    @Test
    void initrdBytesAtTheRamdiskAddressAreOurs() {
        Entry e = inProcess;
        assertEquals(Outcome.KERNEL_ENTRY, e.outcome(), e::describe);
        assertEquals(LOAD_PHYSICAL_ADDR, e.pc());
        assertEquals(NOKASLR, e.cmdline());
        assertEquals(initrd.length, e.ramdiskSize());
        assertNotNull(e.ramdiskBytes(), () -> String.format("ramdisk 0x%x + 0x%x not in RAM", e.ramdiskImage(),
                e.ramdiskSize()));
        assertEquals(-1, Arrays.mismatch(initrd, e.ramdiskBytes()), "initrd bytes at boot_params.ramdisk_image differ");
        assertNotNull(e.initrdTable(), "no LINUX_EFI_INITRD_MEDIA config table");
        assertEquals(e.ramdiskImage(), e.tableBase(), "the config table and boot_params name different initrds");
        assertEquals(initrd.length, e.tableSize());
        assertEquals(MemoryType.LOADER_DATA, typeAt(e.kernelMap(), e.ramdiskImage()));
    }

    @Test
    void theMemoryMapInEfiInfoIsTheFirmwaresFinalMap() {
        Entry e = inProcess;
        assertEquals(Outcome.KERNEL_ENTRY, e.outcome(), e::describe);
        assertNotNull(e.kernelMap(), e.kernelMapError());
        assertEquals(e.firmwareMap(), e.kernelMap(), "boot_params.efi_info's map is not what the firmware handed out");
    }

    @Test
    void withoutInitrdNoRamdiskAndNoInitrdTable() {
        JsonNode r = kaslr1.entered();
        JsonNode rd = kaslr1.bootParams().path("ramdisk");
        assertEquals(0, CliRun.hex(rd.path("image")));
        assertEquals(0, rd.path("size").asLong());
        assertTrue(r.path("kernelEntry").path("initrd").isMissingNode(), () -> r.path("kernelEntry").toString());
        for (JsonNode t : r.path("configTables")) assertNotEquals("LINUX_EFI_INITRD_MEDIA", t.path("name").asText());
    }

    // ------------------------------------------------------------------ 2. e820 from --memmap

    @Test
    void e820IsSortedDisjointAndEfiInfoCountsTheWholeMap() {
        JsonNode bp = a.bootParams();
        long prevEnd = 0;
        for (JsonNode e : bp.path("e820")) {
            long start = CliRun.hex(e.path("start")), size = CliRun.hex(e.path("size"));
            assertTrue(size > 0, e::toString);
            assertTrue(Long.compareUnsigned(start, prevEnd) >= 0, () -> "sorted and disjoint: " + bp.path("e820"));
            prevEnd = start + size;
        }
        assertEquals(MemoryMap.DESCRIPTOR_SIZE * (long) a.report().path("memoryMap").size(),
                bp.path("efiInfo").path("memoryMapSize").asLong());
        assertEquals("memmap target", a.report().path("target").asText());
    }

    @Test
    void everyReservedRangeOfTheTargetIsReservedInE820() {
        JsonNode e820 = a.bootParams().path("e820");
        for (E820 t : TARGET) {
            if (t.usable) continue;
            long hole = firstUncovered(e820, Set.of("reserved"), t.start, t.endExclusive());
            assertEquals(-1, hole, () -> String.format("reserved [0x%x, 0x%x] not reserved in e820 from 0x%x: %s",
                    t.start, t.end, hole, e820));
        }
    }

    @Test
    void usableE820LiesInsideUsableTargetRam() {
        JsonNode e820 = a.bootParams().path("e820");
        for (JsonNode e : e820) {
            if (!e.path("type").asText().equals("usable")) continue;
            long start = CliRun.hex(e.path("start")), end = start + CliRun.hex(e.path("size"));
            assertTrue(TARGET.stream().anyMatch(t -> t.usable && t.start <= start && end <= t.endExclusive()),
                    () -> "usable " + e + " is not inside one usable range of the target");
            assertTrue(end <= EXTRA_RESERVED.start || start > EXTRA_RESERVED.end, () -> "usable " + e
                    + " overlaps the extra reserved range");
        }
    }

    @Test
    void nonUsableE820ComesFromReservedRangesOrFirmwareMemory() {
        JsonNode r = a.entered();
        List<long[]> allowed = new ArrayList<>();
        for (E820 t : TARGET) {
            if (!t.usable) allowed.add(new long[] {t.start & -PAGE, (t.endExclusive() + PAGE - 1) & -PAGE});
        }
        for (JsonNode d : r.path("memoryMap")) {
            if (!EFI_TYPES_THAT_STAY_RAM.contains(d.path("type").asText())) {
                allowed.add(new long[] {CliRun.hex(d.path("start")), end(d)});
            }
        }
        for (JsonNode e : r.path("kernelEntry").path("bootParams").path("e820")) {
            if (e.path("type").asText().equals("usable")) continue;
            long start = CliRun.hex(e.path("start")), end = start + CliRun.hex(e.path("size"));
            assertEquals(-1, firstUncovered(allowed, start, end), () -> e + " is neither a reserved range of the "
                    + "target (page-rounded) nor firmware memory the map keeps");
        }
    }

    @Test
    void usableE820IsTargetRamMinusWhatTheFirmwareKeeps() {
        JsonNode r = a.entered();
        long usableInput = 0;
        for (E820 t : TARGET) {
            if (t.usable) usableInput += (t.endExclusive() & -PAGE) - ((t.start + PAGE - 1) & -PAGE);
        }
        long nonConventional = 0, keptByFirmware = 0;
        for (JsonNode d : r.path("memoryMap")) {
            long start = CliRun.hex(d.path("start")), end = end(d);
            boolean inRam = TARGET.stream().anyMatch(t -> t.usable && t.start <= start && end <= t.endExclusive());
            if (!inRam) continue;
            String type = d.path("type").asText();
            if (!type.equals("EfiConventionalMemory")) nonConventional += end - start;
            if (!EFI_TYPES_THAT_STAY_RAM.contains(type)) keptByFirmware += end - start;
        }
        long usable = 0;
        for (JsonNode e : r.path("kernelEntry").path("bootParams").path("e820")) {
            if (e.path("type").asText().equals("usable")) usable += CliRun.hex(e.path("size"));
        }
        // As the issue words it, then exactly: the stub turns loader and boot-services memory
        // back into RAM, so only what stays allocated is lost: runtime services (system table,
        // thunks) and ACPI reclaim (the stub's random-seed and boot-memmap tables).
        assertThat(usable).isGreaterThanOrEqualTo(usableInput - nonConventional);
        assertEquals(usableInput - keptByFirmware, usable, String.format(
                "usable e820 0x%x, usable target RAM 0x%x, kept allocated 0x%x", usable, usableInput, keptByFirmware));
        assertThat(keptByFirmware).as("runtime services and the stub's tables keep some RAM").isPositive();
    }

    @Test
    void instructionBudgetsAreRefusedOnX86WithOneLine() {
        for (String opt : new String[] {"--max-instructions", "--count-instructions"}) {
            CliRun r = opt.equals("--max-instructions")
                    ? CliRun.of("run", Fixtures.amd64Kernel().toString(), opt, "1000")
                    : CliRun.of("run", Fixtures.amd64Kernel().toString(), opt);
            assertEquals(2, r.exitCode(), r::describe);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).contains(opt).contains("arm64 only");
        }
    }

    @Test
    void aSysfsMemmapGivesTheSameRunAsTheKernelLog() throws IOException {
        for (Run r : List.of(textLimited, sysfsLimited)) {
            assertEquals(0, r.cli().exitCode(), r.cli()::describe);
            assertEquals("exit-boot-services", r.report().path("outcome").asText());
            assertTrue(r.report().path("kernelEntry").isNull());
        }
        JsonNode t = textLimited.report();
        assertEquals(CliRun.normalized(t), CliRun.normalized(sysfsLimited.report()), "--memmap DIR and --memmap TEXT differ");
        assertEquals(-1, Files.mismatch(textLimited.trace(), sysfsLimited.trace()), "traces differ");
        // What was compared covers the target: the map the stub read, and where it put the kernel.
        assertThat(Files.readString(textLimited.trace())).contains("\"GetMemoryMap\"", "\"AllocatePages\"");
        JsonNode d = descriptorAt(t.path("memoryMap"), EXTRA_RESERVED.start);
        assertNotNull(d, "the extra reserved range is not in the memory map");
        assertEquals("EfiReservedMemoryType", d.path("type").asText());
        assertEquals(EXTRA_RESERVED.start, CliRun.hex(d.path("start")));
        assertEquals(EXTRA_RESERVED.endExclusive(), end(d));
        JsonNode k = descriptorAt(t.path("memoryMap"), LOAD_PHYSICAL_ADDR);
        assertEquals("EfiLoaderCode", k.path("type").asText(), "the kernel's allocation at LOAD_PHYSICAL_ADDR");
    }

    // ------------------------------------------------------------------ 3. determinism

    @Test
    void sameInputsGiveTheSameReportAndTrace() throws IOException {
        a.entered();
        b.entered();
        assertEquals(CliRun.normalized(a.report()), CliRun.normalized(b.report()), "reports differ beyond millis and timing");
        assertEquals(-1, Files.mismatch(a.trace(), b.trace()), "traces differ");
    }

    /**
     * KASLR with the same --seed: the stub asks EFI_RNG (served from the seed) and mixes RDTSC
     * into the physical placement (kaslr_get_random_long("EFI")); RDTSC is answered from a
     * virtual counter, so the same seed gives the same run and another seed another placement.
     */
    @Test
    void kaslrWithTheSameSeedRepeatsEverythingAndAnotherSeedMovesTheKernel() throws IOException {
        JsonNode r1 = kaslr1.entered(), r2 = kaslr2.entered();
        assertEquals(-1, Files.mismatch(kaslr1.trace(), kaslr2.trace()), "traces differ");
        assertEquals(CliRun.normalized(r1), CliRun.normalized(r2), "reports of the same seed differ beyond millis and timing");
        assertThat(withoutPlacement(r1)).isNotNull();
        assertThat(CliRun.hex(kaslr6.entered().path("kernelEntry").path("pc")))
                .as("--seed 6 places the kernel elsewhere than --seed 5")
                .isNotEqualTo(CliRun.hex(r1.path("kernelEntry").path("pc")));
        assertThat(r1.path("serviceCallCounts").path("Rng.GetRNG").asInt()).as("KASLR asks EFI_RNG").isPositive();
        assertEquals(LOAD_PHYSICAL_ADDR, CliRun.hex(a.entered().path("kernelEntry").path("pc")));
        long pc1 = CliRun.hex(r1.path("kernelEntry").path("pc")), pc2 = CliRun.hex(r2.path("kernelEntry").path("pc"));
        assertTrue(pc1 != LOAD_PHYSICAL_ADDR || pc2 != LOAD_PHYSICAL_ADDR,
                "KASLR placed the kernel at LOAD_PHYSICAL_ADDR twice");
    }

    @Test
    void kaslrPlacesTheKernelAlignedInOneLoaderCodeRegionOfRam() {
        for (Run k : List.of(kaslr1, kaslr2)) {
            JsonNode r = k.entered();
            long pc = CliRun.hex(r.path("kernelEntry").path("pc"));
            assertEquals(0, pc % TWO_MIB, () -> String.format("pc 0x%x not 2 MiB aligned", pc));
            assertThat(pc).isGreaterThanOrEqualTo(LOAD_PHYSICAL_ADDR);
            JsonNode d = descriptorAt(r.path("memoryMap"), pc);
            assertNotNull(d);
            assertEquals("EfiLoaderCode", d.path("type").asText());
            assertEquals(pc, CliRun.hex(d.path("start")), "the kernel's allocation starts at startup_64");
            assertEquals(pc, CliRun.hex(r.path("kernelEntry").path("registers").path("rip")));
            assertEquals(CliRun.hex(r.path("kernelEntry").path("registers").path("rsi")),
                    CliRun.hex(r.path("kernelEntry").path("bootParams").path("address")));
            assertEquals(KASLR, r.path("kernelEntry").path("bootParams").path("cmdline").asText());
        }
    }

    /** The report text without "millis" fields and the "timing" object. */

    /** {@link CliRun#normalized} without the kernel's physical placement: pc, rip, the memory map. */
    static String withoutPlacement(JsonNode report) {
        ObjectNode copy = report.deepCopy();
        CliRun.strip(copy);
        ObjectNode entry = (ObjectNode) copy.path("kernelEntry");
        entry.remove("pc");
        ((ObjectNode) entry.path("registers")).remove("rip");
        copy.remove("memoryMap");
        return copy.toPrettyString();
    }


    // ------------------------------------------------------------------ 4. targets too small

    @Test
    void ramWithoutRoomForTheDecompressedKernelEndsClearlyWithExit3() {
        CliRun run = small.cli();
        assertEquals(3, run.exitCode(), run::describe);
        assertThat(small.seconds()).isLessThan(30);
        JsonNode r = small.report();
        assertThat(r.path("outcome").asText()).isIn("image-returned", "fault");
        assertTrue(r.path("kernelEntry").isNull(), "kernel entry on a 32 MiB target");
        JsonNode fault = r.path("fault");
        assertThat(fault.path("message").asText()).isNotBlank();
        assertThat(run.err()).contains(r.path("outcome").asText()).contains(fault.path("message").asText())
                .doesNotContain("at efikexec");
        if (r.path("outcome").asText().equals("image-returned")) {
            // The stub gives up and returns an error status before ExitBootServices.
            assertTrue(r.path("exitBootServices").isNull());
            assertThat(fault.path("message").asText()).contains("before ExitBootServices").doesNotContain("SUCCESS");
            assertThat(r.path("console").asText()).contains("EFI stub: ERROR");
        }
    }

    @Test
    void ramTooSmallForTheFirmwareIsOneLineAndExit2() {
        Path report = dir.resolve("tiny.json");
        CliRun run = CliRun.of("run", kernel.toString(), "--ram", "0x100000:0x100000", "--report", report.toString());
        assertEquals(2, run.exitCode(), run::describe);
        assertEquals(1, run.errLines().size(), run::describe);
        assertThat(run.err()).startsWith("efikexec: ").contains(kernel.toString()).doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertEquals("", run.out());
        assertFalse(Files.exists(report), "a report for a run that never started");
    }

    // ------------------------------------------------------------------ 5. inspect

    @Test
    void inspectShowsTheSetupHeader() {
        CliRun run = CliRun.of("inspect", kernel.toString(), "--json");
        assertEquals(0, run.exitCode(), run::describe);
        JsonNode j = CliRun.json(run.out());
        assertEquals("x86-bzimage", j.path("format").asText());
        assertEquals("x86_64", j.path("arch").asText());
        JsonNode h = j.path("x86SetupHeader");
        assertEquals("2.15", h.path("version").asText());
        assertEquals("xz", h.path("payload").path("compression").asText());
        assertEquals(LOAD_PHYSICAL_ADDR, CliRun.hex(h.path("prefAddress")));
        assertTrue(h.path("relocatable").asBoolean());
    }

    // ------------------------------------------------------------------ helpers

    private static long end(JsonNode descriptor) {
        return CliRun.hex(descriptor.path("start")) + descriptor.path("pages").asLong() * PAGE;
    }

    private static JsonNode descriptorAt(JsonNode map, long address) {
        for (JsonNode d : map) {
            if (CliRun.hex(d.path("start")) <= address && address < end(d)) return d;
        }
        return null;
    }

    /** The first address of [start, end) that no e820 entry of one of the types covers, or -1. */
    private static long firstUncovered(JsonNode e820, Set<String> types, long start, long end) {
        List<long[]> ranges = new ArrayList<>();
        for (JsonNode e : e820) {
            if (!types.contains(e.path("type").asText())) continue;
            long s = CliRun.hex(e.path("start"));
            ranges.add(new long[] {s, s + CliRun.hex(e.path("size"))});
        }
        return firstUncovered(ranges, start, end);
    }

    private static long firstUncovered(List<long[]> ranges, long start, long end) {
        long at = start;
        boolean progress = true;
        while (at < end && progress) {
            progress = false;
            for (long[] r : ranges) {
                if (r[0] <= at && at < r[1]) {
                    at = r[1];
                    progress = true;
                }
            }
        }
        return at < end ? at : -1;
    }

    private static MemoryType typeAt(List<MemoryDescriptor> map, long address) {
        if (map == null) return null;
        for (MemoryDescriptor d : map) if (d.contains(address)) return d.type();
        return null;
    }

    /**
     * An in-process run to kernel entry (wired as RunInputs wires an x86 run), with what the
     * kernel finds read from guest memory before the engine closes.
     */
    record Entry(Outcome outcome, String fault, String console, long pc, String cmdline, long ramdiskImage,
            long ramdiskSize, byte[] ramdiskBytes, Long initrdTable, long tableBase, long tableSize,
            List<MemoryDescriptor> firmwareMap, List<MemoryDescriptor> kernelMap, String kernelMapError) {

        static Entry run(UnicornRuntime runtime, byte[] kernel, String cmdline, byte[] initrd) {
            FirmwareOptions options = new FirmwareOptions(E820MemorySource.q35Default(), kernel, "vmlinuz", cmdline,
                    initrd, null, 0, null, text -> { });
            try (UnicornBackend cpu = UnicornBackend.openX64(runtime)) {
                RunResult r = new EfiRunner(cpu, new X64Adapter()).run(options, Until.ENTRY,
                        new RunLimits(0, 120_000, false));
                return capture(r);
            }
        }

        private static Entry capture(RunResult r) {
            Firmware fw = r.firmware();
            GuestMemory mem = fw.memory();
            long pc = r.kernelEntry() != null ? r.kernelEntry().pc() : r.registers().getOrDefault("rip", 0L);
            long bp = r.registers().getOrDefault("rsi", 0L);
            String cmdline = null;
            long rdImage = 0, rdSize = 0;
            byte[] rdBytes = null;
            List<MemoryDescriptor> kernelMap = null;
            String kernelMapError = "no boot_params at rsi";
            if (r.outcome() == Outcome.KERNEL_ENTRY && mem.isMapped(bp, 4096)) {
                // struct boot_params (arch/x86/include/uapi/asm/bootparam.h)
                long cmd = mem.readU32(bp + 0x228) | mem.readU32(bp + 0x0c8) << 32;
                if (cmd != 0 && mem.isMapped(cmd, 1)) {
                    StringBuilder sb = new StringBuilder();
                    for (long p = cmd; mem.isMapped(p, 1) && mem.readU8(p) != 0 && sb.length() < 4096; p++) {
                        sb.append((char) mem.readU8(p));
                    }
                    cmdline = sb.toString();
                }
                rdImage = mem.readU32(bp + 0x218) | mem.readU32(bp + 0x0c0) << 32;
                rdSize = mem.readU32(bp + 0x21c) | mem.readU32(bp + 0x0c4) << 32;
                if (rdSize > 0 && rdSize < (64 << 20) && mem.isMapped(rdImage, rdSize)) {
                    rdBytes = mem.read(rdImage, (int) rdSize);
                }
                long efi = bp + 0x1c0; // efi_info
                long descSize = mem.readU32(efi + 0x08);
                long map = mem.readU32(efi + 0x10) | mem.readU32(efi + 0x1c) << 32;
                long mapSize = mem.readU32(efi + 0x14);
                if (descSize < MemoryMap.DESCRIPTOR_FIELDS_SIZE || mapSize % descSize != 0 || mapSize > (1 << 20)
                        || !mem.isMapped(map, mapSize)) {
                    kernelMapError = String.format("efi_info map 0x%x size 0x%x desc-size %d is not readable", map,
                            mapSize, descSize);
                } else {
                    kernelMap = MemoryMap.decode(mem.read(map, (int) mapSize), (int) (mapSize / descSize),
                            (int) descSize);
                    kernelMapError = null;
                }
            }
            Long table = fw.configTables().find(KnownGuids.LINUX_EFI_INITRD_MEDIA);
            long tableBase = 0, tableSize = 0;
            if (table != null && mem.isMapped(table, 16)) {
                tableBase = mem.readU64(table);
                tableSize = mem.readU64(table + 8);
            }
            return new Entry(r.outcome(), r.fault() == null ? null : r.fault().toString(), fw.consoleText(), pc, cmdline,
                    rdImage, rdSize, rdBytes, table, tableBase, tableSize, List.copyOf(fw.memoryMap().descriptors()),
                    kernelMap, kernelMapError);
        }

        String describe() {
            return outcome + (fault != null ? " " + fault : "") + "\nconsole:\n" + console;
        }
    }
}
