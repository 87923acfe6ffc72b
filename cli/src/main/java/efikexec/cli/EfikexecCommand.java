package efikexec.cli;

import efikexec.cli.input.UserInputException;
import efikexec.emulator.backend.BackendException;
import efikexec.emulator.unicorn.UnicornUnavailableException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `efikexec` command: subcommands, and one line on stderr for every error. */
@Command(name = "efikexec", mixinStandardHelpOptions = true, version = "efikexec 0.1.0",
        description = "Run EFI boot stubs under emulation so kexec can boot images that need EFI.")
public final class EfikexecCommand implements Runnable {

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (inspect, run, handoff, load, exec, unload, uki, demo)");
    }

    public static void main(String[] args) {
        efikexec.cli.progress.StartupClock.mark("main");
        Warmup.start(args);
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; returns the exit code. Never throws, never prints a stack trace. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new EfikexecCommand());
        addSubcommands(cmd, args.length > 0 ? args[0] : "");
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setParameterExceptionHandler((ex, a) -> {
            err.println("efikexec: " + ex.getMessage().lines().findFirst().orElse("bad option")
                    + " (see efikexec " + commandPath(ex.getCommandLine()) + "--help)");
            return ExitCodes.BAD_INPUT;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean verbose = java.util.Arrays.asList(args).contains("--verbose") || java.util.Arrays.asList(args).contains("-v");
            if (ex instanceof UserInputException) {
                err.println("efikexec: " + ex.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            if (ex instanceof UnicornUnavailableException || ex instanceof BackendException
                    || ex instanceof efikexec.cli.input.EnvironmentException
                    || ex instanceof efikexec.kexec.host.KexecRefusedException
                    || ex instanceof efikexec.kexec.host.HostException
                    || ex instanceof efikexec.kexec.syscall.KexecException) {
                err.println("efikexec: " + ex.getMessage());
                return ExitCodes.ENVIRONMENT;
            }
            err.println("efikexec: internal error: " + ex + (verbose ? "" : " (--verbose shows where)"));
            if (verbose) ex.printStackTrace(err);
            return ExitCodes.INTERNAL;
        });
        try {
            return cmd.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("efikexec: out of memory: " + e.getMessage());
            return ExitCodes.ENVIRONMENT;
        } catch (Throwable t) {
            err.println("efikexec: internal error: " + t);
            return ExitCodes.INTERNAL;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Only the subcommand named on the command line gets a picocli model (each model is built
     * by reflection, cold: ~30 ms saved on every run); any other first word gets all of them,
     * so help and "unknown command" errors list every command.
     */
    private static void addSubcommands(CommandLine cmd, String first) {
        switch (first) {
            case "run" -> cmd.addSubcommand(new RunCommand());
            case "inspect" -> cmd.addSubcommand(new InspectCommand());
            case "demo" -> cmd.addSubcommand(new DemoCommand());
            case "bench" -> cmd.addSubcommand(new BenchCommand());
            case "uki" -> cmd.addSubcommand(new UkiCommand());
            case "handoff" -> cmd.addSubcommand(new HandoffCommand());
            case "load" -> cmd.addSubcommand(new LoadCommand());
            case "exec" -> cmd.addSubcommand(new ExecCommand());
            case "unload" -> cmd.addSubcommand(new UnloadCommand());
            default -> {
                cmd.addSubcommand(new InspectCommand());
                cmd.addSubcommand(new RunCommand());
                cmd.addSubcommand(new DemoCommand());
                cmd.addSubcommand(new UkiCommand());
                cmd.addSubcommand(new HandoffCommand());
                cmd.addSubcommand(new LoadCommand());
                cmd.addSubcommand(new ExecCommand());
                cmd.addSubcommand(new UnloadCommand());
                cmd.addSubcommand(new BenchCommand());
            }
        }
    }

    private static String commandPath(CommandLine c) {
        StringBuilder sb = new StringBuilder();
        for (CommandLine p = c; p != null && p.getParent() != null; p = p.getParent()) sb.insert(0, p.getCommandName() + " ");
        return sb.toString();
    }
}
