package efikexec.cli;

import efikexec.bootservices.FirmwareOptions;
import efikexec.cli.input.AtomicFile;
import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.cli.option.RunOptions;
import efikexec.cli.option.TargetOptions;
import efikexec.cli.report.Hex;
import efikexec.cli.report.KernelHandover;
import efikexec.cli.report.RunReport;
import efikexec.emulator.cpu.Aarch64Adapter;
import efikexec.emulator.run.EfiRunner;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunLimits;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.emulator.unicorn.UnicornRuntime;
import efikexec.model.KnownGuids;
import efikexec.model.fdt.Fdt;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.IdentifiedImage;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.linux.Arm64ImageHeader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `efikexec run IMAGE …`: runs the image's EFI code to ExitBootServices or kernel entry. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run an EFI image (arm64 Image, x86 bzImage: their EFI stubs) under emulation to kernel entry.")
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The EFI image (e.g. /boot/vmlinuz on arm64).")
    Path image;

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    efikexec.cli.option.SignatureOptions signature = new efikexec.cli.option.SignatureOptions();

    @Option(names = "--report", paramLabel = "FILE", description = "Write the run report (JSON, schema " + RunReport.SCHEMA + ").")
    Path report;

    @Option(names = "--serial", paramLabel = "FILE", description = "Write the console text (ConOut/StdErr).")
    Path serial;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write one JSON line per service call.")
    Path trace;

    @Option(names = {"-v", "--verbose"}, description = "Show each service call as it happens.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "No summary on success.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** What a run produced, for commands that build on it (demo, tests). */
    public record Completed(RunResult result, Map<String, Object> report, int exitCode) {
    }

    @Override
    public Integer call() {
        return execute(spec.commandLine().getOut(), spec.commandLine().getErr()).exitCode();
    }

    public Completed execute(PrintWriter out, PrintWriter err) {
        efikexec.cli.progress.StartupClock.mark("options parsed");
        AtomicFile.checkWritable(report);
        AtomicFile.checkWritable(serial);
        AtomicFile.checkWritable(trace);
        byte[] file = InputFiles.read(image, "EFI image");
        SignatureCheck.require(image, file, signature); // as Secure Boot: refused before any of it runs
        // The report's image digest is computed on the second core while the guest runs.
        java.util.concurrent.CompletableFuture<String> digest =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> efikexec.cli.report.ImageDigest.sha256(image, file));
        efikexec.cli.progress.StartupClock.mark("image read");
        RunInputs in = RunInputs.read(image, file, run);
        UnicornRuntime runtime = in.runtime();
        String warning = runtime.versionWarning();
        if (warning != null) err.println(warning);
        boolean interactive = System.console() != null;

        StringBuilder traceText = new StringBuilder();
        try (UnicornBackend cpu = in.openEngine()) {
            RunResult r = in.emulate(cpu, c -> {
                if (trace != null) traceText.append(RunReport.traceLine(c)).append('\n');
                if (verbose) {
                    err.println("efikexec: call " + RunReport.traceLine(c));
                    err.flush();
                }
            }, p -> {
                if (interactive || verbose) {
                    err.println("efikexec: " + p);
                    err.flush();
                }
            }, signature.verifying());
            efikexec.cli.progress.StartupClock.mark("emulation done");
            Map<String, Object> handover = handover(r);
            RunReport.ImageFacts facts = new RunReport.ImageFacts(image.toString(), RunInputs.formatName(in.id()),
                    in.id().arch(), digest.join());
            Map<String, Object> rep = RunReport.build(facts, in.target().description(), run.cmdline, r, handover);
            if (serial != null) AtomicFile.write(serial, r.firmware().consoleText());
            if (trace != null) AtomicFile.write(trace, traceText.toString());
            if (report != null) AtomicFile.write(report, RunReport.toJson(rep));
            efikexec.cli.progress.StartupClock.mark("report written");
            int code = summarize(r, out, err);
            efikexec.cli.progress.StartupClock.mark("summary printed");
            return new Completed(r, rep, code);
        }
    }

    /** The kernel's view at entry: the FDT at x0 with /chosen, and the initrd table. */
    private static Map<String, Object> handover(RunResult r) {
        if (r.outcome() != Outcome.KERNEL_ENTRY) return null;
        GuestMemory mem = r.firmware().memory();
        Map<String, Object> m = new LinkedHashMap<>();
        if (r.registers().containsKey("rsi")) {
            m.put("bootParams", efikexec.cli.report.BootParams.read(mem, r.registers().get("rsi")));
        }
        long x0 = r.registers().getOrDefault("x0", 0L);
        Fdt fdt = KernelHandover.fdtAt(mem, x0).orElse(null);
        if (fdt != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("address", Hex.of(x0));
            f.put("chosen", KernelHandover.chosen(fdt));
            m.put("fdt", f);
        }
        Long initrdTable = r.firmware().configTables().find(KnownGuids.LINUX_EFI_INITRD_MEDIA);
        if (initrdTable != null && mem.isMapped(initrdTable, 16)) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("base", Hex.of(mem.readU64(initrdTable)));
            i.put("size", mem.readU64(initrdTable + 8));
            String digest = efikexec.cli.report.BootParams.digestOf(mem, mem.readU64(initrdTable), mem.readU64(initrdTable + 8));
            if (digest != null) i.put("sha256", digest);
            m.put("initrd", i);
        }
        return m;
    }

    private int summarize(RunResult r, PrintWriter out, PrintWriter err) {
        int calls = r.firmware().registry().trace().size();
        switch (r.outcome()) {
            case KERNEL_ENTRY -> {
                if (!quiet) {
                    String arg = r.registers().containsKey("rsi") ? String.format("rsi (boot_params) 0x%x", r.registers().get("rsi"))
                            : String.format("x0 (FDT) 0x%x", r.registers().get("x0"));
                    out.printf("kernel-entry: pc 0x%x, %s; ExitBootServices at %.1f ms, entry at %.1f ms, %d service calls%n",
                            r.kernelEntry().pc(), arg, r.exitBootServices().millis(), r.kernelEntry().millis(), calls);
                }
                out.flush();
                return ExitCodes.OK;
            }
            case EXIT_BOOT_SERVICES -> {
                if (!quiet) out.printf("exit-boot-services at %.1f ms, %d service calls%n", r.exitBootServices().millis(), calls);
                out.flush();
                return ExitCodes.OK;
            }
            default -> {
                String console = r.firmware().consoleText();
                if (!console.isEmpty()) {
                    err.println("efikexec: console so far:");
                    for (String line : console.split("\n")) err.println("  | " + line);
                }
                err.printf("efikexec: %s: %s at pc 0x%x: %s%n", image, r.outcome().label(), r.fault().pc(), r.fault().message());
                StringBuilder regs = new StringBuilder();
                int n = 0;
                for (Map.Entry<String, Long> e : r.registers().entrySet()) {
                    regs.append(String.format("%5s=%016x", e.getKey(), e.getValue()));
                    regs.append(++n % 4 == 0 ? "\n" : " ");
                }
                err.print(regs.toString().stripTrailing() + "\n");
                err.flush();
                return ExitCodes.GUEST;
            }
        }
    }

}
