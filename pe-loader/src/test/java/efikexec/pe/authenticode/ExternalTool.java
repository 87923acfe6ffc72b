package efikexec.pe.authenticode;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * An independent tool the tests compare with (osslsigncode, sbverify; scripts/setup installs
 * them). Missing: fails when CI=true, skips otherwise, as a missing fixture does.
 */
record ExternalTool(Path path) {
    /** What a run printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {}

    static ExternalTool require(String name, String debianPackage) {
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return new ExternalTool(p);
            }
        }
        String msg = name + " is not on PATH: run scripts/setup (Debian package " + debianPackage + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
        Assumptions.abort(msg);
        throw new AssertionError("unreachable");
    }

    Result run(Object... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(path.toString());
        for (Object a : args) cmd.add(a.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** osslsigncode's "Calculated message digest : HEX [MISMATCH!!!]": the hex, lower-case. */
    static String calculatedDigest(Result r) {
        for (String line : r.output().split("\\R")) {
            if (line.startsWith("Calculated message digest")) {
                return line.substring(line.indexOf(':') + 1).trim().split("\\s+")[0].toLowerCase();
            }
        }
        throw new AssertionError("osslsigncode printed no \"Calculated message digest\":\n" + r.output());
    }
}
