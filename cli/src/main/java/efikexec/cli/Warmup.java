package efikexec.cli;

import efikexec.cli.report.RunReport;
import efikexec.emulator.unicorn.UnicornRuntime;
import java.util.Map;

/**
 * Work every `run` needs whatever its options, done on the second core while the first parses
 * the command line: loading libunicorn (a 20 MB library, ~80 ms) and initialising Jackson.
 * Failures are ignored here; the command reports them itself when it needs the thing.
 */
final class Warmup {
    private Warmup() {
    }

    static void start(String[] args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("demo"))) return;
        Thread t = new Thread(() -> {
            try {
                UnicornRuntime.load(null);
            } catch (RuntimeException | LinkageError ignored) {
                // reported by the command when it loads the library itself
            }
            RunReport.toJson(Map.of("warm", 1));
        }, "efikexec-warmup");
        t.setDaemon(true);
        t.start();
    }
}
