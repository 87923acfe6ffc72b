package efikexec.cli;

import efikexec.cli.input.AtomicFile;
import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.model.FormatException;
import efikexec.pe.uki.UkiBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `efikexec uki build …`: unified kernel images, assembled as ukify lays them out. */
@Command(name = "uki", mixinStandardHelpOptions = true, description = "Unified kernel images.",
        subcommands = UkiCommand.Build.class)
public final class UkiCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (build)");
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Write a UKI: a systemd-stub with the kernel, initrds, command line and os-release added as"
                    + " sections, in ukify's order and layout; the same inputs give the same bytes.")
    public static final class Build implements Callable<Integer> {
        @Option(names = "--stub", required = true, paramLabel = "F", description = "The EFI stub (systemd's linuxx64.efi.stub, linuxaa64.efi.stub).")
        Path stub;

        @Option(names = "--linux", required = true, paramLabel = "F", description = "The kernel: an EFI-stub bzImage or arm64 Image (or zboot image).")
        Path linux;

        @Option(names = "--initrd", paramLabel = "F", description = "An initrd; several are concatenated, each padded to 4 bytes.")
        List<Path> initrds = new ArrayList<>();

        @Option(names = "--cmdline", paramLabel = "S", description = "The kernel command line (.cmdline).")
        String cmdline;

        @Option(names = "--os-release", paramLabel = "F", description = "An os-release file (.osrel).")
        Path osRelease;

        @Option(names = "--uname", paramLabel = "S", description = "The kernel release, as uname -r prints it (.uname).")
        String uname;

        @Option(names = "--dtb", paramLabel = "F", description = "A device tree blob (.dtb) the stub installs for the kernel.")
        Path dtb;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "F", description = "The UKI to write.")
        Path output;

        /** A profile: --profile TEXT, then optionally its --profile-cmdline (picocli groups them in order). */
        static final class ProfileArgs {
            @Option(names = "--profile", required = true, paramLabel = "TEXT", description = "Adds a profile (systemd-stub"
                    + " 257+) whose .profile section holds TEXT, e.g. ID=rescue; profiles are numbered from 0 in this order.")
            String text;

            @Option(names = "--profile-cmdline", paramLabel = "S", description = "The .cmdline of the --profile before it.")
            String cmdline;
        }

        @picocli.CommandLine.ArgGroup(exclusive = false, multiplicity = "0..*")
        List<ProfileArgs> profiles = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AtomicFile.checkWritable(output);
            byte[] stubBytes = InputFiles.read(stub, "stub (--stub)");
            byte[] linuxBytes = InputFiles.read(linux, "kernel (--linux)");
            UkiBuilder b = new UkiBuilder(stubBytes, linuxBytes);
            for (Path i : initrds) b.initrd(InputFiles.read(i, "initrd (--initrd)"));
            if (cmdline != null) b.cmdline(cmdline);
            if (uname != null) b.uname(uname);
            if (osRelease != null) b.osRelease(InputFiles.read(osRelease, "os-release (--os-release)"));
            for (ProfileArgs p : profiles) b.profile(p.text, p.cmdline);
            if (dtb != null) {
                byte[] blob = InputFiles.read(dtb, "device tree (--dtb)");
                InputFiles.parse(dtb, blob, efikexec.model.fdt.Fdt::parse);
                b.dtb(blob);
            }
            byte[] uki;
            try {
                uki = b.build();
            } catch (FormatException e) {
                // field names say which input: "stub: …" or "linux: …"
                boolean kernel = e.field().startsWith("linux: ");
                String field = e.field().substring(e.field().indexOf(": ") + 2);
                throw new UserInputException((kernel ? linux : stub) + ": "
                        + new FormatException(field, e.offset(), e.getMessage()).describe());
            }
            for (String w : b.warnings()) spec.commandLine().getErr().println("efikexec: warning: " + stub + ": " + w);
            AtomicFile.write(output, uki);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s: UKI of %d bytes%n", output, uki.length);
            out.flush();
            return ExitCodes.OK;
        }
    }
}
