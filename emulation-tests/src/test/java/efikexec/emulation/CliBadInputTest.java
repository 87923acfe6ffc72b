package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.pe.linux.Arm64ImageHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way the input can be wrong ends with exit 2 (4 for a missing libunicorn) and one line on
 * stderr that names the file or option and what was wrong: no stack trace, no summary, and
 * nothing written where the outputs would have gone (no report, no *.part file).
 */
class CliBadInputTest {
    /** Inputs built once; the real kernel is only opened by the cases that need it. */
    @TempDir
    static Path inputs;

    @TempDir
    Path out;

    /** Stands for the test's output directory in the names a line must contain. */
    static final String OUT = "$OUT";

    static Path missing, emptyFile, randomFile, gzipFile, truncated1000, truncated100k, x86Pe, i386Pe, truncatedDtb,
            randomDtb, aDirectory;

    @BeforeAll
    static void makeInputs() throws IOException {
        missing = inputs.resolve("does-not-exist");
        emptyFile = Files.createFile(inputs.resolve("empty.img"));
        byte[] random = new byte[64 * 1024];
        new Random(42).nextBytes(random);
        randomFile = Files.write(inputs.resolve("random.img"), random);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(random);
        }
        gzipFile = Files.write(inputs.resolve("vmlinuz.gz"), gz.toByteArray());
        x86Pe = Files.write(inputs.resolve("bootx64.efi"), Fixtures.x86_64Pe());
        byte[] i386 = Fixtures.x86_64Pe();
        i386[0x44] = 0x4c; // COFF Machine 0x014c: i386
        i386[0x45] = 0x01;
        i386Pe = Files.write(inputs.resolve("bootia32.efi"), i386);
        byte[] randomDtbBytes = new byte[4096];
        new Random(7).nextBytes(randomDtbBytes);
        randomDtb = Files.write(inputs.resolve("random.dtb"), randomDtbBytes);
        aDirectory = Files.createDirectory(inputs.resolve("a-directory"));
        truncated1000 = inputs.resolve("vmlinuz-1000");
        truncated100k = inputs.resolve("vmlinuz-100k");
        truncatedDtb = inputs.resolve("truncated.dtb");
    }

    /** The real kernel's first bytes (the fixture is needed only by these cases). */
    static Path truncatedKernel(Path p, int n) {
        if (!Files.exists(p)) write(p, Arrays.copyOf(Fixtures.read(Fixtures.arm64Kernel()), n));
        return p;
    }

    static Path truncatedDtb() {
        if (!Files.exists(truncatedDtb)) write(truncatedDtb, Arrays.copyOf(Fixtures.read(Fixtures.qemuVirtDtb()), 200));
        return truncatedDtb;
    }

    private static void write(Path p, byte[] b) {
        try {
            Files.write(p, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String kernel() {
        return Fixtures.arm64Kernel().toString();
    }

    /**
     * A bad command line: the arguments (built lazily: some need the fixture), what the one line
     * must name (all of them) and what it must say (any of them, case-insensitive).
     */
    record Case(String name, Function<Path, List<String>> args, List<String> names, List<String> says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case c(String name, Function<Path, List<String>> args, List<String> names, String... says) {
        return new Case(name, args, names, List.of(says));
    }

    static List<String> run(String image, String... more) {
        List<String> a = new ArrayList<>(List.of("run", image));
        a.addAll(List.of(more));
        return a;
    }

    static Stream<Arguments> badRuns() {
        return Stream.of(
                c("missing image", o -> run(missing.toString()), List.of(missing.toString()), "no such file"),
                c("image is a directory", o -> run(aDirectory.toString()), List.of(aDirectory.toString()), "directory"),
                c("empty image", o -> run(emptyFile.toString()), List.of(emptyFile.toString()), "empty"),
                c("kernel truncated to 1000 bytes", o -> run(truncatedKernel(truncated1000, 1000).toString()),
                        List.of(truncated1000.toString()), "larger than the file", "end of the file", "truncated"),
                c("kernel truncated to 100 KB", o -> run(truncatedKernel(truncated100k, 100 * 1024).toString()),
                        List.of(truncated100k.toString()), "end of the file", "larger than the file", "truncated"),
                c("random bytes", o -> run(randomFile.toString()), List.of(randomFile.toString()), "not a PE", "MZ"),
                c("gzip'd file", o -> run(gzipFile.toString()), List.of(gzipFile.toString()), "gzip"),
                c("ELF file", o -> run("/bin/true"), List.of("/bin/true"), "ELF"),
                c("i386 PE", o -> run(i386Pe.toString()), List.of(i386Pe.toString()), "i386"),
                c("truncated --dtb", o -> run(kernel(), "--dtb", truncatedDtb().toString()),
                        List.of(truncatedDtb.toString()), "beyond the end", "truncated", "end of"),
                c("random --dtb", o -> run(kernel(), "--dtb", randomDtb.toString()), List.of(randomDtb.toString()),
                        "magic"),
                c("--dtb is a directory", o -> run(kernel(), "--dtb", aDirectory.toString()),
                        List.of(aDirectory.toString()), "directory"),
                c("--dtb missing", o -> run(kernel(), "--dtb", missing.toString()), List.of(missing.toString()),
                        "no such file"),
                c("--ram without size", o -> run(kernel(), "--ram", "0x40000000"), List.of("--ram", "0x40000000"),
                        "':'", "SIZE"),
                c("--ram with garbage base", o -> run(kernel(), "--ram", "abc:1G"), List.of("--ram", "abc:1G"),
                        "BASE", "number"),
                c("--ram of size 0", o -> run(kernel(), "--ram", "0x40000000:0"), List.of("--ram", "0x40000000:0"),
                        "size is 0", "> 0"),
                c("--dtb and --ram together", o -> run(kernel(), "--dtb", "x.dtb", "--ram", "0x40000000:1G"),
                        List.of("--dtb", "--ram"), "mutually exclusive", "exclusive"),
                c("bad --until", o -> run(kernel(), "--until", "kernel"), List.of("--until", "kernel"), "ebs"),
                c("unknown option", o -> run(kernel(), "--frobnicate"), List.of("--frobnicate"), "unknown"),
                c("--load-address below RAM", o -> run(kernel(), "--load-address", "0x10000000"),
                        List.of("--load-address", "0x10000000"), "RAM"),
                c("--load-address above RAM", o -> run(kernel(), "--load-address", "0x90000000"),
                        List.of("--load-address", "0x90000000"), "RAM"),
                c("--load-address where the Image does not fit", o -> run(kernel(), "--load-address", "0x7ff00000"),
                        List.of("--load-address", "0x7ff00000"), "RAM"),
                c("--load-address not a number", o -> run(kernel(), "--load-address", "forty"),
                        List.of("--load-address", "forty"), "not an address"),
                c("--initrd missing", o -> run(kernel(), "--initrd", missing.toString()), List.of(missing.toString()),
                        "no such file"),
                c("negative --max-instructions", o -> run(kernel(), "--max-instructions", "-1"),
                        List.of("--max-instructions", "-1"), "expected 0 or more"),
                c("negative --timeout", o -> run(kernel(), "--timeout", "-1"), List.of("--timeout", "-1"),
                        "expected 0 or more"),
                c("--report into a missing directory", o -> run(kernel(), "--report", o.resolve("no/such/r.json").toString()),
                        List.of(OUT + "/no/such"), "does not exist"),
                c("--report is a directory", o -> run(kernel(), "--report", o.toString()), List.of(OUT),
                        "directory"),
                c("no command", o -> List.of(), List.of(), "command"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRuns")
    void badInputExits2WithOneLine(Case c) throws IOException {
        List<String> args = new ArrayList<>(c.args().apply(out));
        boolean outputsGiven = args.contains("--report");
        if (!args.isEmpty() && !outputsGiven) {
            args.addAll(List.of("--report", out.resolve("report.json").toString(),
                    "--trace", out.resolve("trace.jsonl").toString(), "--serial", out.resolve("serial.txt").toString()));
        }
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), run::describe);
        String line = assertOneErrorLine(run);
        for (String n : c.names()) assertThat(line).as(run.describe()).contains(n.replace(OUT, out.toString()));
        assertSaysOneOf(line, c.says(), run);
        assertNothingWritten(out, run);
    }

    /** A stale, complete file at the report path stays as it was when the run is refused. */
    @Test
    void refusedRunLeavesAnExistingReportAlone() throws IOException {
        Path rep = Files.writeString(out.resolve("report.json"), "{\"old\": true}\n");
        CliRun run = CliRun.of("run", randomFile.toString(), "--report", rep.toString());
        assertEquals(2, run.exitCode(), run::describe);
        assertOneErrorLine(run);
        assertEquals("{\"old\": true}\n", Files.readString(rep));
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("report.json");
        }
    }

    @Test
    void missingUnicornExits4WithOneLine() throws IOException {
        String lib = "/nonexistent/libunicorn.so.2";
        CliRun run = CliRun.of("run", kernel(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--unicorn", lib,
                "--report", out.resolve("report.json").toString());
        assertEquals(4, run.exitCode(), run::describe);
        String line = assertOneErrorLine(run);
        assertThat(line).contains(lib).containsIgnoringCase("unicorn");
        assertNothingWritten(out, run);
    }

    // ------------------------------------------------------------------ inspect

    @Test
    void inspectShowsTheRealKernel() {
        Path k = Fixtures.arm64Kernel();
        Arm64ImageHeader h = Arm64ImageHeader.parse(Fixtures.read(k));
        CliRun run = CliRun.of("inspect", k.toString());
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("", run.err());
        assertThat(run.out()).contains("format: arm64-linux-image", "arch: aarch64", ".text", ".data",
                "primaryEntry: 0x" + Long.toHexString(h.primaryEntryOffset()));
    }

    @Test
    void inspectJsonShowsTheRealKernel() {
        Path k = Fixtures.arm64Kernel();
        byte[] bytes = Fixtures.read(k);
        Arm64ImageHeader h = Arm64ImageHeader.parse(bytes);
        CliRun run = CliRun.of("inspect", k.toString(), "--json");
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("", run.err());
        JsonNode j = CliRun.json(run.out());
        assertEquals("efikexec.inspect/1", j.path("schema").asText());
        assertEquals("arm64-linux-image", j.path("format").asText());
        assertEquals("aarch64", j.path("arch").asText());
        assertEquals(bytes.length, j.path("size").asLong());
        assertEquals("0xaa64", j.path("pe").path("machine").asText());
        List<String> sections = new ArrayList<>();
        for (JsonNode s : j.path("pe").path("sections")) {
            sections.add(s.path("name").asText());
            long va = CliRun.hex(s.path("virtualAddress"));
            long vsize = CliRun.hex(s.path("virtualSize"));
            assertTrue(va + vsize <= CliRun.hex(j.path("pe").path("sizeOfImage")), s::toString);
            // "characteristics" is not checked: InspectCommand sign-extends the int, so .data shows
            // 0xffffffffc0000040 instead of 0xc0000040 (reported as a bug in cli).
        }
        assertThat(sections).contains(".text", ".data");
        assertEquals(h.primaryEntryOffset(), CliRun.hex(j.path("arm64Image").path("primaryEntry")));
        assertEquals(h.imageSize(), CliRun.hex(j.path("arm64Image").path("imageSize")));
    }

    @Test
    void inspectShowsAnX86PeAsSuch() {
        CliRun run = CliRun.of("inspect", x86Pe.toString(), "--json");
        assertEquals(0, run.exitCode(), run::describe);
        JsonNode j = CliRun.json(run.out());
        assertEquals("x86_64", j.path("arch").asText());
        assertEquals("pe-application", j.path("format").asText());
    }

    static Stream<Arguments> badInspects() {
        return Stream.of(
                c("missing", o -> List.of(missing.toString()), List.of(missing.toString()), "no such file"),
                c("directory", o -> List.of(aDirectory.toString()), List.of(aDirectory.toString()), "directory"),
                c("empty", o -> List.of(emptyFile.toString()), List.of(emptyFile.toString()), "empty"),
                c("truncated 1000", o -> List.of(truncatedKernel(truncated1000, 1000).toString()),
                        List.of(truncated1000.toString()), "larger than the file", "end of the file"),
                c("truncated 100k", o -> List.of(truncatedKernel(truncated100k, 100 * 1024).toString()),
                        List.of(truncated100k.toString()), "end of the file", "larger than the file"),
                c("random", o -> List.of(randomFile.toString()), List.of(randomFile.toString()), "not a PE", "MZ"),
                c("gzip", o -> List.of(gzipFile.toString()), List.of(gzipFile.toString()), "gzip"),
                c("ELF", o -> List.of("/bin/true"), List.of("/bin/true"), "ELF"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "inspect {0}")
    @MethodSource("badInspects")
    void inspectOfBadFileExits2WithOneLine(Case c) {
        for (boolean json : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("inspect"));
            args.addAll(c.args().apply(out));
            if (json) args.add("--json");
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), run::describe);
            assertEquals("", run.out(), run::describe);
            String line = assertOneErrorLine(run);
            for (String n : c.names()) assertThat(line).as(run.describe()).contains(n);
            assertSaysOneOf(line, c.says(), run);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String assertOneErrorLine(CliRun run) {
        assertThat(run.err()).as(run.describe()).doesNotContain("at efikexec").doesNotContain("\tat ")
                .doesNotContain("Exception");
        List<String> lines = run.errLines();
        assertEquals(1, lines.size(), run::describe);
        assertTrue(run.err().endsWith("\n"), "the line ends with a newline");
        assertThat(lines.get(0)).startsWith("efikexec: ");
        return lines.get(0);
    }

    private static void assertSaysOneOf(String line, List<String> says, CliRun run) {
        String lower = line.toLowerCase(Locale.ROOT);
        assertTrue(says.stream().anyMatch(s -> lower.contains(s.toLowerCase(Locale.ROOT))),
                () -> "expected one of " + says + " in: " + line + "\n" + run.describe());
    }

    private static void assertNothingWritten(Path dir, CliRun run) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> left = s.filter(p -> !p.equals(dir)).toList();
            assertThat(left).as("files left in the output directory\n" + run.describe()).isEmpty();
        }
    }
}
