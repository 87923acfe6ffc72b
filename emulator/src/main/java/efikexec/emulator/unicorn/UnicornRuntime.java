package efikexec.emulator.unicorn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads libunicorn: an explicit path (option or EFIKEXEC_UNICORN), then the copy of
 * Debian trixie's 2.1.1 that scripts/setup puts in the cache, then the system's library.
 * Only 2.1.1 runs guest stores at full speed (EFI-NOTES "Unicorn"), so any other version is
 * used with one warning line that says what it costs and how to fix it.
 */
public final class UnicornRuntime {
    public static final String WANTED = "2.1.1";

    private final UnicornLibrary library;
    private final String version;
    private final String path;

    private UnicornRuntime(UnicornLibrary library, String version, String path) {
        this.library = library;
        this.version = version;
        this.path = path;
    }

    public UnicornLibrary library() {
        return library;
    }

    public String version() {
        return version;
    }

    public String path() {
        return path;
    }

    private static volatile UnicornRuntime cached;

    /** Loads the library once per process; explicitPath may be null. */
    public static UnicornRuntime load(String explicitPath) {
        UnicornRuntime r = cached;
        if (r != null && (explicitPath == null || explicitPath.equals(r.path))) return r;
        synchronized (UnicornRuntime.class) {
            List<String> tried = new ArrayList<>();
            for (String candidate : candidates(explicitPath)) {
                boolean isFile = candidate.contains("/");
                if (isFile && !Files.isRegularFile(Path.of(candidate))) {
                    if (explicitPath != null && candidate.equals(explicitPath)) {
                        throw new UnicornUnavailableException("libunicorn not found at " + explicitPath
                                + " (given with --unicorn or EFIKEXEC_UNICORN)");
                    }
                    tried.add(candidate);
                    continue;
                }
                try {
                    UnicornLibrary lib = UnicornBackend.load(candidate);
                    String v = UnicornBackend.versionOf(lib);
                    cached = new UnicornRuntime(lib, v, candidate);
                    return cached;
                } catch (UnsatisfiedLinkError e) {
                    tried.add(candidate);
                }
            }
            throw new UnicornUnavailableException("libunicorn 2.1.1 not found (tried " + String.join(", ", tried)
                    + "); run scripts/setup, or set EFIKEXEC_UNICORN to a libunicorn.so.2");
        }
    }

    private static List<String> candidates(String explicitPath) {
        List<String> c = new ArrayList<>();
        if (explicitPath != null) {
            c.add(explicitPath);
            return c;
        }
        String env = System.getenv("EFIKEXEC_UNICORN");
        if (env != null && !env.isEmpty()) {
            c.add(env);
            return c;
        }
        c.add(cacheDir().resolve("unicorn-" + WANTED).resolve("libunicorn.so.2").toString());
        c.add("/usr/lib/x86_64-linux-gnu/libunicorn.so.2");
        c.add("unicorn");
        return c;
    }

    /** $EFIKEXEC_CACHE, else ~/.cache/efikexec: where scripts/setup puts Unicorn and fixtures. */
    public static Path cacheDir() {
        String env = System.getenv("EFIKEXEC_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String prop = System.getProperty("efikexec.cache");
        if (prop != null && !prop.isBlank() && !prop.startsWith("${")) return Path.of(prop);
        return Path.of(System.getProperty("user.home"), ".cache", "efikexec");
    }

    /** One line for stderr when this is not 2.1.1, else null. */
    public String versionWarning() {
        return versionWarning(version, path);
    }

    /** The warning for a library of this version at this path, or null for 2.1.1. */
    public static String versionWarning(String version, String path) {
        if (WANTED.equals(version)) return null;
        String cost;
        if (version.startsWith("2.0.")) {
            cost = "runs guest stores ~37x slower (8.3 s vs 0.2 s for 500 M stores; the x86 stub 31 s vs 2.9 s)";
        } else if (version.startsWith("2.1.") && version.compareTo("2.1.1") > 0) {
            cost = "runs guest stores ~15x slower (3.0-3.5 s vs 0.2 s for 500 M stores; the x86 stub ~20 s vs 2.9 s)";
        } else {
            cost = "is untested and may be much slower";
        }
        return "efikexec: warning: Unicorn " + version + " (" + path + ") " + cost + " than " + WANTED
                + "; run scripts/setup to fetch Debian trixie's libunicorn2t64 2.1.1, or set EFIKEXEC_UNICORN";
    }
}
