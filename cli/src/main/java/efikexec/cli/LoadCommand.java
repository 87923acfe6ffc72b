package efikexec.cli;

import efikexec.cli.input.EnvironmentException;
import efikexec.cli.input.UserInputException;
import efikexec.cli.option.RunOptions;
import efikexec.kexec.bundle.BundleFormatException;
import efikexec.kexec.bundle.HandoffBundle;
import efikexec.kexec.host.HostSystem;
import efikexec.kexec.host.HostTarget;
import efikexec.kexec.host.KexecPermission;
import efikexec.kexec.load.LoadPlan;
import efikexec.kexec.load.LoadRefusedException;
import efikexec.kexec.syscall.KexecFlags;
import efikexec.kexec.syscall.LinuxKexec;
import efikexec.memmap.TargetMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `efikexec load DIR|IMAGE [--dry-run]`: a handoff bundle into the kernel with kexec_load(2),
 * after the checks kexec_load does not make (EFI-NOTES "kexec"); `efikexec exec` then reboots
 * into it. An IMAGE (with --host) is made into a bundle for this machine first, in a temporary
 * directory, exactly as `efikexec handoff IMAGE --host` would.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Load a handoff bundle with kexec_load(2), for `efikexec exec` to reboot into.",
            "DIR is a directory written by `efikexec handoff`; an IMAGE with --host is made into one for this machine first."})
public final class LoadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR|IMAGE")
    Path input;

    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--dry-run", description = "Check everything and print what would be loaded; no system call.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        HostSystem host = HostSystem.local();
        if (!dryRun) {
            // before any work: a refusal costs nothing
            KexecPermission.require(host);
        }
        if (HandoffBundle.isBundle(input)) return load(input, host, out);
        if (Files.isDirectory(input)) {
            throw new UserInputException(input + ": no " + HandoffBundle.ELF + " in this directory: expected a bundle "
                    + "written by efikexec handoff");
        }
        if (!Files.exists(input)) throw new UserInputException(input + ": no such file or directory");
        if (!run.target.host()) {
            throw new UserInputException(input + ": an image is loaded only for this machine: add --host "
                    + "(or make a bundle with efikexec handoff and load its directory)");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("efikexec-load-");
        } catch (IOException e) {
            throw new EnvironmentException("cannot create a temporary directory: " + e.getMessage());
        }
        try {
            HandoffCommand handoff = new HandoffCommand();
            handoff.image = input;
            handoff.run = run;
            handoff.output = dir;
            handoff.spec = spec;
            int made = handoff.call();
            if (made != ExitCodes.OK) return made;
            return load(dir, host, out);
        } finally {
            delete(dir);
        }
    }

    private int load(Path dir, HostSystem host, PrintWriter out) {
        HandoffBundle bundle;
        try {
            bundle = HandoffBundle.read(dir);
        } catch (BundleFormatException e) {
            throw new UserInputException(e.getMessage());
        }
        TargetMemory hostMemory = HostTarget.memory(host);
        LoadPlan plan;
        try {
            plan = LoadPlan.check(bundle, host.arch(), hostMemory);
        } catch (efikexec.kexec.load.WrongMachineException e) {
            throw new EnvironmentException(e.getMessage());
        } catch (LoadRefusedException e) {
            throw new UserInputException(e.getMessage());
        }
        if (dryRun) {
            out.println(dir + ": would load (--dry-run, nothing loaded):");
            plan.describe().forEach(l -> out.println("  " + l));
            return ExitCodes.OK;
        }
        new LinuxKexec(host.arch()).load(bundle.entry(), bundle.elf(), plan.segments(), KexecFlags.KEXEC_ARCH_DEFAULT);
        out.printf("%s: loaded %d segments, entry 0x%x; `efikexec exec` reboots into it%n", dir, plan.segments().size(),
                bundle.entry());
        return ExitCodes.OK;
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no reason to fail the load
        }
    }
}
