package efikexec.pe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Real images fetched by scripts/setup into $EFIKEXEC_CACHE (default ~/.cache/efikexec). A missing
 * fixture fails the test when CI=true and skips it otherwise.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path cacheDir() {
        String env = System.getenv("EFIKEXEC_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String prop = System.getProperty("efikexec.cache");
        if (prop != null && !prop.isBlank() && !prop.contains("${")) return Path.of(prop);
        return Path.of(System.getProperty("user.home"), ".cache", "efikexec");
    }

    /** Debian bookworm's arm64 vmlinuz: an uncompressed Image with a PE header (~32 MB). */
    public static byte[] bookwormArm64Kernel() {
        return read(cacheDir().resolve("fixtures/bookworm-arm64/vmlinuz"));
    }

    /** The fixture's bytes; missing: fails when CI=true, else skips with a message. */
    public static byte[] read(Path p) {
        if (!Files.isRegularFile(p)) {
            String msg = "fixture " + p + " is missing: run scripts/setup to fetch it";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg);
            Assumptions.assumeTrue(false, msg);
        }
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
