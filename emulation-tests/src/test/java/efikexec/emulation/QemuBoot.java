package efikexec.emulation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Boots QEMU (TCG, no firmware unless the arguments bring one) and watches its serial console on
 * stdout for a line: what a handoff test waits for. QEMU is killed once the line is seen, the
 * guest powers off, or the time is up.
 *
 * @param console everything the console printed (stdout and stderr interleaved)
 * @param sawLine whether the line appeared
 * @param millis wall time from starting QEMU to the line (or to the end)
 */
record QemuBoot(String console, boolean sawLine, double millis) {
    static QemuBoot run(List<String> command, String line, long timeoutSeconds) {
        String qemu = command.get(0);
        if (!onPath(qemu)) throw Fixtures.missing(qemu + " is not installed: " + Fixtures.SETUP_HINT);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder out = new StringBuilder();
        boolean[] seen = {false};
        double[] at = {0};
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (out) {
                        out.append(l).append('\n');
                    }
                    if (!seen[0] && l.contains(line)) {
                        at[0] = (System.nanoTime() - t0) / 1e6;
                        seen[0] = true;
                        p.destroy();
                    }
                }
            } catch (IOException e) {
                // the process went away: what was read is the console
            }
        }, "qemu-console");
        reader.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        double end = (System.nanoTime() - t0) / 1e6;
        synchronized (out) {
            return new QemuBoot(out.toString(), seen[0], seen[0] ? at[0] : end);
        }
    }

    static List<String> command(String... words) {
        return new ArrayList<>(List.of(words));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The last lines of the console, for assertion messages. */
    String tail() {
        String[] lines = console.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 25), lines.length));
    }
}
