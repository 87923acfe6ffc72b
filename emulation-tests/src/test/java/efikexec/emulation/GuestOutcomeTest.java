package efikexec.emulation;

import static efikexec.emulation.Arm64Asm.FP;
import static efikexec.emulation.Arm64Asm.LR;
import static efikexec.emulation.Arm64Asm.SP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import efikexec.model.table.BootServicesLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs that end badly (DESIGN.md "Run phases": a run that returns from the image, faults, or
 * exceeds its instruction or time budget ends with a clear outcome, the console log so far and
 * a register dump), driven by tiny real arm64 EFI applications built here as bytes and run
 * through the command line in-process.
 */
class GuestOutcomeTest {
    private static final String RAM = "0x40000000:256M";
    private static final long EFI_ERROR = 0x8000_0000_0000_0000L;
    private static final long EFI_LOAD_ERROR = EFI_ERROR | 1;
    private static final long EFI_ABORTED = EFI_ERROR | 21;
    /** Registers AAPCS64 says the image must keep: where the tiny apps hold what they need across calls. */
    private static final int HANDLE = 19, BS = 21;
    /** EFI_SYSTEM_TABLE offsets (UEFI 2.10, 4.3). */
    private static final int ST_CON_OUT = 0x40, ST_BOOT_SERVICES = 0x60;
    /** EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL.OutputString: the second function pointer. */
    private static final int OUTPUT_STRING = 8;
    private static final int EFI_LOADER_DATA = 2;

    @TempDir
    Path dir;

    @BeforeAll
    static void unicornIsThere() {
        InProcessRun.unicorn().getClass(); // aborts (or fails in CI) when libunicorn is missing
    }

    /** One CLI run of a tiny app, with what the test checks afterwards. */
    record Run(CliRun cli, JsonNode report, long loadAddress, long size, List<JsonNode> trace, long millis) {
        JsonNode fault() {
            return report.path("fault");
        }

        String outcome() {
            return report.path("outcome").asText();
        }

        String describe() {
            return cli.describe() + "\n report fault: " + fault() + "\n outcome: " + outcome();
        }

        boolean inImage(long pc) {
            return Long.compareUnsigned(pc, loadAddress) >= 0 && Long.compareUnsigned(pc, loadAddress + size) < 0;
        }
    }

    private Run run(String name, Arm64Asm.Program program, String... options) {
        byte[] code = program.assemble();
        Path image = dir.resolve(name + ".efi");
        Path report = dir.resolve(name + ".json");
        Path trace = dir.resolve(name + ".jsonl");
        try {
            if (!Files.exists(image)) Files.write(image, TinyEfiApp.build(code));
            Files.deleteIfExists(report);
            Files.deleteIfExists(trace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("run", image.toString(), "--ram", RAM, "--report", report.toString(),
                "--trace", trace.toString()));
        args.addAll(List.of(options));
        long t0 = System.nanoTime();
        CliRun cli = CliRun.of(args);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(Files.exists(report), () -> "no report: " + cli.describe());
        JsonNode r = CliRun.json(report);
        List<JsonNode> calls = new ArrayList<>();
        try {
            if (Files.exists(trace)) for (String l : Files.readAllLines(trace)) calls.add(CliRun.json(l));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long load = CliRun.hex(r.path("image").path("loadAddress"));
        return new Run(cli, r, load, TinyEfiApp.sizeOfImage(code.length), calls, millis);
    }

    /** The common shape of a run that ends badly. */
    private static void assertBadEnd(Run run, String outcome, String kind, int exitCode) {
        assertEquals(outcome, run.outcome(), run::describe);
        assertEquals(exitCode, run.cli().exitCode(), run::describe);
        JsonNode fault = run.fault();
        assertEquals(kind, fault.path("kind").asText(), run::describe);
        assertTrue(fault.path("message").isTextual() && !fault.path("message").asText().isBlank(), run::describe);
        assertThat(run.report().path("kernelEntry").isNull()).as("kernelEntry").isTrue();
        JsonNode regs = fault.path("registers");
        for (int i = 0; i <= 30; i++) assertTrue(regs.path("x" + i).isTextual(), "x" + i + " in " + regs);
        assertTrue(regs.path("sp").isTextual(), "sp in " + regs);
        assertTrue(regs.path("pc").isTextual(), "pc in " + regs);
        CliRun.hex(regs.path("pc"));
        CliRun.hex(fault.path("pc"));
        // stderr: the line naming the outcome, and the register dump
        assertThat(run.cli().err()).contains(": " + outcome + " at pc 0x");
        assertThat(run.cli().errLines()).anyMatch(l -> l.matches("\\s*pc=[0-9a-f]{16}\\b.*"));
        assertThat(run.cli().errLines()).anyMatch(l -> l.matches(".*\\bsp=[0-9a-f]{16}\\b.*"));
        assertThat(run.cli().errLines()).anyMatch(l -> l.matches("\\s*x0=[0-9a-f]{16}\\s+x1=.*"));
        assertThat(run.cli().errLines()).anyMatch(l -> l.matches(".*\\bx30=[0-9a-f]{16}\\b.*"));
        assertThat(run.cli().err()).doesNotContain("at efikexec.", "Exception", "internal error");
        assertThat(run.cli().out()).isEmpty();
    }

    private static void assertFaultPcInImage(Run run) {
        long pc = CliRun.hex(run.fault().path("pc"));
        assertTrue(run.inImage(pc), () -> String.format("fault pc 0x%x outside the image [0x%x, 0x%x)%n%s", pc,
                run.loadAddress(), run.loadAddress() + run.size(), run.describe()));
    }

    // ------------------------------------------------------------------ the tiny applications

    /** return EFI_LOAD_ERROR. */
    static Arm64Asm.Program returnsLoadError() {
        return new Arm64Asm.Program().mov64(0, EFI_LOAD_ERROR).emit(Arm64Asm.RET);
    }

    /** ConOut->OutputString(ConOut, L"hello\r\n"); udf #0. */
    static Arm64Asm.Program helloThenUdf() {
        return new Arm64Asm.Program()
                .emit(Arm64Asm.stpPre(FP, LR, SP, -16), Arm64Asm.add(FP, SP, 0))
                .emit(Arm64Asm.ldr(0, 1, ST_CON_OUT), Arm64Asm.ldr(Arm64Asm.X16, 0, OUTPUT_STRING))
                .adr(1, "hello")
                .emit(Arm64Asm.blr(Arm64Asm.X16))
                .label("udf").emit(Arm64Asm.udf(0))
                .ucs2("hello", "hello\r\n");
    }

    /** b . */
    static Arm64Asm.Program spins() {
        return new Arm64Asm.Program().label("spin").emit(Arm64Asm.b(0));
    }

    /** ldr x0, [0x10000000]: below the target's RAM. */
    static Arm64Asm.Program loadsUnmapped() {
        return new Arm64Asm.Program().emit(Arm64Asm.movz(1, 0x1000, 16)).label("load").emit(Arm64Asm.ldr(0, 1, 0))
                .emit(Arm64Asm.RET);
    }

    private static Arm64Asm.Program prologue() {
        return new Arm64Asm.Program()
                .emit(Arm64Asm.stpPre(FP, LR, SP, -48), Arm64Asm.add(FP, SP, 0))
                .emit(Arm64Asm.str(HANDLE, SP, 16), Arm64Asm.str(20, SP, 24), Arm64Asm.str(BS, SP, 32))
                .emit(Arm64Asm.mov(HANDLE, 0), Arm64Asm.ldr(BS, 1, ST_BOOT_SERVICES));
    }

    private static Arm64Asm.Program epilogue(Arm64Asm.Program p) {
        return p.emit(Arm64Asm.ldr(HANDLE, SP, 16), Arm64Asm.ldr(20, SP, 24), Arm64Asm.ldr(BS, SP, 32),
                Arm64Asm.ldpPost(FP, LR, SP, 48), Arm64Asm.RET);
    }

    /** BootServices->Exit(ImageHandle, EFI_ABORTED, 0, NULL); udf #0 (Exit does not return). */
    static Arm64Asm.Program exitsAborted() {
        return prologue()
                .emit(Arm64Asm.mov(0, HANDLE)).mov64(1, EFI_ABORTED).emit(Arm64Asm.movz(2, 0), Arm64Asm.movz(3, 0))
                .call(BS, BootServicesLayout.offset("Exit"))
                .label("afterExit").emit(Arm64Asm.udf(0));
    }

    /** return BootServices->ExitBootServices(ImageHandle, 0x1234). */
    static Arm64Asm.Program ebsWithWrongKey() {
        Arm64Asm.Program p = prologue()
                .emit(Arm64Asm.mov(0, HANDLE), Arm64Asm.movz(1, 0x1234))
                .call(BS, BootServicesLayout.EXIT_BOOT_SERVICES);
        return epilogue(p);
    }

    /**
     * GetMemoryMap(&size = 0, NULL, …) for the size; AllocatePool(EfiLoaderData, size + 4 KiB,
     * &buffer); GetMemoryMap(&size, buffer, &key, &descSize, &descVersion);
     * ExitBootServices(ImageHandle, key); then {@code after} (if any) and b . — or, when any
     * call fails, return its status.
     */
    static Arm64Asm.Program exitsBootServices(java.util.function.Consumer<Arm64Asm.Program> after) {
        Arm64Asm.Program p = prologue();
        getMemoryMap(p.adr(0, "size").emit(Arm64Asm.movz(1, 0)));
        p.adr(9, "size").emit(Arm64Asm.ldr(1, 9, 0), Arm64Asm.add(1, 1, 1, true), Arm64Asm.str(1, 9, 0))
                .emit(Arm64Asm.movz(0, EFI_LOADER_DATA)).adr(2, "buffer")
                .call(BS, BootServicesLayout.offset("AllocatePool"))
                .cbnz(0, "fail");
        getMemoryMap(p.adr(0, "size").adr(9, "buffer").emit(Arm64Asm.ldr(1, 9, 0)));
        p.cbnz(0, "fail")
                .emit(Arm64Asm.mov(0, HANDLE)).adr(9, "key").emit(Arm64Asm.ldr(1, 9, 0))
                .call(BS, BootServicesLayout.EXIT_BOOT_SERVICES)
                .cbnz(0, "fail");
        if (after != null) after.accept(p);
        p.label("spin").emit(Arm64Asm.b(0));
        epilogue(p.label("fail"));
        return p.zeros("size", 8).zeros("buffer", 8).zeros("key", 8).zeros("descSize", 8).zeros("descVersion", 8)
                .zeros("pool", 8);
    }

    /** x0 (size pointer) and x1 (buffer) set: the rest of the arguments, and the call. */
    private static void getMemoryMap(Arm64Asm.Program p) {
        p.adr(2, "key").adr(3, "descSize").adr(4, "descVersion").call(BS, BootServicesLayout.GET_MEMORY_MAP);
    }

    /** After ExitBootServices: AllocatePool(EfiLoaderData, 64, &pool), its status kept in x20. */
    static void allocatesPool(Arm64Asm.Program p) {
        p.emit(Arm64Asm.movz(0, EFI_LOADER_DATA), Arm64Asm.movz(1, 64)).adr(2, "pool")
                .call(BS, BootServicesLayout.offset("AllocatePool"))
                .emit(Arm64Asm.mov(20, 0));
    }

    // ------------------------------------------------------------------ the cases

    @Test
    void imageReturningLoadErrorEndsImageReturned() {
        Run run = run("load-error", returnsLoadError());
        assertBadEnd(run, "image-returned", "image-returned", 3);
        assertThat(run.fault().path("message").asText()).contains("LOAD_ERROR");
        assertEquals(EFI_LOAD_ERROR, CliRun.hex(run.fault().path("registers").path("x0")));
        assertThat(run.cli().err()).contains("LOAD_ERROR");
        // The return lands on the firmware's return thunk: no service call, nothing traced.
        assertThat(run.trace()).isEmpty();
        assertThat(run.fault().path("message").asText()).contains("returned to the firmware").contains("before");
    }

    @Test
    void undefinedInstructionAfterHelloEndsInGuestException() {
        Arm64Asm.Program p = helloThenUdf();
        Run run = run("hello-udf", p);
        assertBadEnd(run, "fault", "guest-exception", 3);
        assertFaultPcInImage(run);
        assertEquals(run.loadAddress() + TinyEfiApp.TEXT_RVA + p.offsetOf("udf"), CliRun.hex(run.fault().path("pc")),
                "fault pc is the udf");
        assertThat(run.fault().path("message").asText()).contains("undefined instruction");
        assertEquals("hello\n", run.report().path("console").asText());
        // the console so far comes before the line naming the outcome
        String err = run.cli().err();
        assertThat(run.cli().errLines()).contains("  | hello");
        assertTrue(err.indexOf("hello") < err.indexOf(": fault at pc"), err);
        assertEquals(1, run.trace().size(), () -> run.trace().toString());
        assertEquals("ConOut.OutputString", run.trace().get(0).path("name").asText());
        assertEquals("SUCCESS", run.trace().get(0).path("status").asText());
    }

    @Test
    void sameFaultingRunGivesTheSameReport() {
        Run a = run("hello-udf", helloThenUdf());
        Run b = run("hello-udf", helloThenUdf());
        assertEquals("fault", a.outcome(), a::describe);
        assertEquals(CliRun.normalized(a.report()), CliRun.normalized(b.report()), "reports differ beyond millis and timing");
        assertEquals(a.cli().err(), b.cli().err());
        assertEquals(a.trace(), b.trace());
    }

    @Test
    void endlessLoopEndsAtTheInstructionBudget() {
        Run run = run("spin", spins(), "--max-instructions", "100000");
        assertBadEnd(run, "limit", "instruction-limit", 3);
        assertFaultPcInImage(run);
        assertEquals(run.loadAddress() + TinyEfiApp.TEXT_RVA, CliRun.hex(run.fault().path("pc")));
        assertThat(run.fault().path("message").asText()).contains("100000");
        assertThat(run.report().path("console").asText()).isEmpty();
    }

    @Test
    void endlessLoopEndsAtTheTimeout() {
        Run run = run("spin", spins(), "--timeout", "0.2");
        assertBadEnd(run, "limit", "timeout", 3);
        assertFaultPcInImage(run);
        assertEquals(run.loadAddress() + TinyEfiApp.TEXT_RVA, CliRun.hex(run.fault().path("pc")));
        assertThat(run.millis()).as("the run returns soon after its 0.2 s budget").isLessThan(3000);
    }

    @Test
    void loadFromUnmappedAddressEndsInUnmappedAccess() {
        Arm64Asm.Program p = loadsUnmapped();
        Run run = run("unmapped", p);
        assertBadEnd(run, "fault", "unmapped-access", 3);
        // Only "in the image": Unicorn 2.1.1 leaves the PC at the start of the translation block on
        // an unmapped access (unicorn-engine/unicorn#1699), here the movz before the ldr.
        assertFaultPcInImage(run);
        assertThat(CliRun.hex(run.fault().path("pc")) - run.loadAddress() - TinyEfiApp.TEXT_RVA)
                .isBetween(0L, (long) p.offsetOf("load"));
        assertThat(run.fault().path("message").asText()).contains("0x10000000");
    }

    @Test
    void exitWithAbortedEndsImageExit() {
        Arm64Asm.Program p = exitsAborted();
        Run run = run("exit", p);
        assertBadEnd(run, "image-returned", "image-exit", 3);
        assertThat(run.fault().path("message").asText()).contains("ABORTED");
        assertEquals(1, run.trace().size(), () -> run.trace().toString());
        JsonNode call = run.trace().get(0);
        assertEquals("Exit", call.path("name").asText());
        long afterExit = run.loadAddress() + TinyEfiApp.TEXT_RVA + p.offsetOf("afterExit");
        assertEquals(afterExit, CliRun.hex(call.path("callerPc")));
        assertEquals(afterExit, CliRun.hex(run.fault().path("registers").path("x30")), "x30: where Exit was called");
        assertEquals(EFI_ABORTED, CliRun.hex(run.fault().path("registers").path("x1")));
        assertEquals(afterExit, CliRun.hex(run.fault().path("pc")), "fault pc: where the image called Exit");
    }

    @Test
    void exitBootServicesWithWrongKeyFailsAndTheImageReturnsItsStatus() {
        Run run = run("ebs-wrong-key", ebsWithWrongKey());
        assertBadEnd(run, "image-returned", "image-returned", 3);
        assertThat(run.fault().path("message").asText()).contains("INVALID_PARAMETER");
        assertTrue(run.report().path("exitBootServices").isNull());
        List<JsonNode> ebs = run.trace().stream().filter(c -> c.path("name").asText().equals("ExitBootServices")).toList();
        assertEquals(1, ebs.size(), () -> run.trace().toString());
        assertEquals("INVALID_PARAMETER", ebs.get(0).path("status").asText());
        assertEquals("0x1234", ebs.get(0).path("args").path(1).asText());
    }

    @Test
    void exitBootServicesWithTheRealKeyStopsThereUntilEbs() {
        Run run = run("ebs", exitsBootServices(null), "--until", "ebs");
        assertEquals("exit-boot-services", run.outcome(), run::describe);
        assertEquals(0, run.cli().exitCode(), run::describe);
        assertTrue(run.report().path("exitBootServices").isObject(), run::describe);
        assertTrue(run.report().path("fault").isNull(), run::describe);
        List<String> names = run.trace().stream().map(c -> c.path("name").asText() + " " + c.path("status").asText())
                .toList();
        assertEquals(List.of("GetMemoryMap BUFFER_TOO_SMALL", "AllocatePool SUCCESS", "GetMemoryMap SUCCESS",
                "ExitBootServices SUCCESS"), names);
        assertThat(run.cli().out()).contains("exit-boot-services");
    }

    @Test
    void afterExitBootServicesAnEndlessLoopIsNoKernelEntry() {
        Run run = run("ebs", exitsBootServices(null), "--timeout", "1");
        assertBadEnd(run, "limit", "timeout", 3);
        assertFaultPcInImage(run);
        assertTrue(run.report().path("exitBootServices").isObject(), run::describe);
        assertThat(run.millis()).as("the run returns soon after its 1 s budget").isLessThan(5000);
    }

    @Test
    void imageReturningAfterExitBootServicesEndsImageReturned() {
        Run run = run("ret-after-ebs", exitsBootServices(p -> epilogue(p.emit(Arm64Asm.movz(0, 0)))), "--timeout", "5");
        assertBadEnd(run, "image-returned", "image-returned", 3);
        assertTrue(run.report().path("exitBootServices").isObject(), run::describe);
        assertThat(run.fault().path("message").asText()).contains("returned").contains("SUCCESS")
                .contains("after ExitBootServices");
    }

    @Test
    void bootServiceCalledAfterExitBootServicesGetsUnsupported() {
        Run run = run("after-ebs", exitsBootServices(GuestOutcomeTest::allocatesPool), "--timeout", "0.5");
        assertBadEnd(run, "limit", "timeout", 3);
        JsonNode last = run.trace().get(run.trace().size() - 1);
        assertEquals("AllocatePool", last.path("name").asText(), () -> run.trace().toString());
        assertEquals("UNSUPPORTED", last.path("status").asText());
        assertEquals("called after ExitBootServices", last.path("note").asText());
        assertEquals(0x8000_0000_0000_0003L, CliRun.hex(run.fault().path("registers").path("x20")),
                "the app saw EFI_UNSUPPORTED");
    }

    /** The report text without "millis" fields and the "timing" object. */
}
