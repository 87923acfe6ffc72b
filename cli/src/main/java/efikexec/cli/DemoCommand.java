package efikexec.cli;

import efikexec.emulator.unicorn.UnicornRuntime;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `efikexec demo`: runs Debian bookworm's arm64 kernel (fetched by scripts/setup) on QEMU
 * virt's device tree to kernel entry, and shows what the stub printed and what the kernel got.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Debian's arm64 kernel (from scripts/setup's cache) to kernel entry and show the result.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path fixtures = UnicornRuntime.cacheDir().resolve("fixtures");
        Path kernel = fixtures.resolve("bookworm-arm64/vmlinuz");
        Path dtb = fixtures.resolve("qemu-virt-a72-1g.dtb");
        if (!Files.isRegularFile(kernel) || !Files.isRegularFile(dtb)) {
            err.println("efikexec: demo: " + kernel + " or " + dtb + " is missing; run scripts/setup first");
            return ExitCodes.ENVIRONMENT;
        }
        String version = "";
        try {
            version = Files.readString(fixtures.resolve("bookworm-arm64/VERSION")).strip();
        } catch (java.io.IOException ignored) {
            // the version line is informational
        }
        out.println("efikexec demo: Debian bookworm arm64 kernel " + version + " on QEMU virt (1 GiB), under Unicorn");
        out.println("$ efikexec run " + kernel + " --dtb " + dtb + " --cmdline 'console=ttyAMA0 nokaslr'");
        out.flush();
        RunCommand run = new RunCommand();
        CommandLine cl = new CommandLine(run);
        cl.setOut(out);
        cl.setErr(err);
        cl.parseArgs(kernel.toString(), "--dtb", dtb.toString(), "--cmdline", "console=ttyAMA0 nokaslr");
        RunCommand.Completed c = run.execute(out, err);
        out.println("--- console (what the EFI stub printed) ---");
        out.print(c.result().firmware().consoleText());
        out.println("--- what the kernel receives at entry ---");
        Object entry = c.report().get("kernelEntry");
        if (entry != null) out.print(efikexec.cli.report.RunReport.toJson(entry));
        out.flush();
        return c.exitCode();
    }
}
