package efikexec.cli;

import efikexec.cli.input.InputFiles;
import efikexec.cli.option.RunOptions;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.unicorn.UnicornBackend;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `efikexec bench IMAGE [run options] --runs N`: the same run N times in one JVM, one line of
 * timings per run. What `run` costs once the JVM is warm (a tool or test harness that makes
 * many runs), beside scripts/bench's cold whole-process figures. Hidden: a measuring aid.
 */
@Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
        description = "Repeat a run in one JVM and print its timings (for scripts/bench).")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--runs", defaultValue = "20", paramLabel = "N", description = "Runs (default ${DEFAULT-VALUE}).")
    int runs;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RunInputs in = RunInputs.read(image, InputFiles.read(image, "EFI image"), run);
        List<Double> entry = new ArrayList<>();
        for (int i = 1; i <= Math.max(1, runs); i++) {
            RunResult r;
            try (UnicornBackend cpu = in.openEngine()) {
                r = in.emulate(cpu, c -> { }, p -> { });
            }
            if (r.outcome() != Outcome.KERNEL_ENTRY && r.outcome() != Outcome.EXIT_BOOT_SERVICES) {
                spec.commandLine().getErr().println("efikexec: bench: run " + i + " ended " + r.outcome().label());
                return ExitCodes.GUEST;
            }
            RunResult.Timing t = r.timing();
            double end = r.kernelEntry() != null ? r.kernelEntry().millis() : r.exitBootServices().millis();
            entry.add(end);
            out.printf("run %d: ebs %.2f ms, end %.2f ms, setup %.2f ms, engine %.2f ms, services %.2f ms, calls %d%n", i,
                    r.exitBootServices().millis(), end, t.setupMillis(), t.engineMillis(), t.servicesMillis(),
                    r.firmware().registry().trace().size());
            out.flush();
        }
        List<Double> sorted = new ArrayList<>(entry.subList(entry.size() / 2, entry.size()));
        sorted.sort(Double::compare);
        out.printf("median of the last %d runs: %.2f ms%n", sorted.size(), sorted.get(sorted.size() / 2));
        return ExitCodes.OK;
    }
}
