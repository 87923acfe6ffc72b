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
        description = "Run an EFI image (arm64 Linux Image with its EFI stub) under emulation to kernel entry.")
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The EFI image (e.g. /boot/vmlinuz on arm64).")
    Path image;

    @Mixin
    RunOptions run = new RunOptions();

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
        // The report's image digest is computed on the second core while the guest runs.
        java.util.concurrent.CompletableFuture<String> digest =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> efikexec.cli.report.ImageDigest.sha256(image, file));
        efikexec.cli.progress.StartupClock.mark("image read");
        IdentifiedImage id = InputFiles.parse(image, file, ImageIdentifier::identify);
        if (!"aarch64".equals(id.arch())) {
            throw new UserInputException(image + ": " + id.format().name().toLowerCase().replace('_', '-') + " for "
                    + id.arch() + "; this version runs arm64 images only (x86_64 is planned)");
        }
        Arm64ImageHeader header = id.format() == ImageFormat.ARM64_LINUX_IMAGE
                ? InputFiles.parse(image, file, Arm64ImageHeader::parse) : null;
        TargetOptions.Target target = run.target.resolve();
        byte[] initrd = run.initrd != null ? InputFiles.read(run.initrd, "initrd (--initrd)") : null;
        if (run.maxInstructions < 0) throw new UserInputException("--max-instructions " + run.maxInstructions + ": expected 0 or more");
        if (!(run.timeoutSeconds >= 0) || Double.isInfinite(run.timeoutSeconds)) {
            throw new UserInputException("--timeout " + run.timeoutSeconds + ": expected 0 or more seconds (a finite number)");
        }

        efikexec.cli.progress.StartupClock.mark("inputs checked");
        UnicornRuntime runtime = UnicornRuntime.load(run.unicorn);
        efikexec.cli.progress.StartupClock.mark("unicorn loaded");
        String warning = runtime.versionWarning();
        if (warning != null) err.println(warning);
        boolean interactive = System.console() != null;

        StringBuilder traceText = new StringBuilder();
        try (UnicornBackend cpu = UnicornBackend.openAarch64(runtime)) {
            EfiRunner runner = new EfiRunner(cpu, new Aarch64Adapter(header));
            runner.onServiceCall(c -> {
                if (trace != null) traceText.append(RunReport.traceLine(c)).append('\n');
                if (verbose) {
                    err.println("efikexec: call " + RunReport.traceLine(c));
                    err.flush();
                }
            });
            if (interactive || verbose) runner.onProgress(p -> {
                err.println("efikexec: " + p);
                err.flush();
            });
            FirmwareOptions options = new FirmwareOptions(target.memory(), file, image.getFileName().toString(),
                    run.cmdline, initrd, target.dtb(), run.seed, run.loadAddress, text -> { });
            RunLimits limits = new RunLimits(run.maxInstructions, (long) Math.ceil(run.timeoutSeconds * 1000),
                    run.countInstructions);
            RunResult r;
            try {
                r = runner.run(options, run.until, limits);
            } catch (efikexec.bootservices.LoadAddressException e) {
                throw new UserInputException(image + ": --load-address " + e.getMessage());
            } catch (efikexec.bootservices.FirmwareException e) {
                throw new UserInputException(image + ": " + e.getMessage());
            } catch (efikexec.model.FormatException e) {
                throw new UserInputException(image + ": " + e.describe());
            }
            efikexec.cli.progress.StartupClock.mark("emulation done");
            Map<String, Object> handover = handover(r);
            RunReport.ImageFacts facts = new RunReport.ImageFacts(image.toString(), id.format().name().toLowerCase()
                    .replace('_', '-'), id.arch(), digest.join());
            Map<String, Object> rep = RunReport.build(facts, target.description(), run.cmdline, r, handover);
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
            m.put("initrd", i);
        }
        return m;
    }

    private int summarize(RunResult r, PrintWriter out, PrintWriter err) {
        int calls = r.firmware().registry().trace().size();
        switch (r.outcome()) {
            case KERNEL_ENTRY -> {
                if (!quiet) {
                    out.printf("kernel-entry: pc 0x%x, x0 0x%x; ExitBootServices at %.1f ms, entry at %.1f ms, %d service calls%n",
                            r.kernelEntry().pc(), r.registers().get("x0"), r.exitBootServices().millis(),
                            r.kernelEntry().millis(), calls);
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
