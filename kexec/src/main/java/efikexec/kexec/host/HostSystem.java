package efikexec.kexec.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The running Linux system's /proc and /sys, under {@code root} ("/" for this machine; a
 * directory tree shaped like it in tests, so that every refusal can be tested without being
 * root or locked down). Files are read when asked, never cached: kexec state changes.
 */
public final class HostSystem {
    /** CAP_SYS_BOOT's bit in /proc/self/status CapEff (include/uapi/linux/capability.h). */
    public static final int CAP_SYS_BOOT = 22;
    /** What a text file of /proc or /sys may hold at most (/proc/iomem of a large machine fits). */
    private static final int MAX_TEXT = 4 << 20;

    private final Path root;
    private final String arch;

    /**
     * @param root the directory that stands for "/"
     * @param arch "x86_64" or "aarch64": which firmware description to read
     */
    public HostSystem(Path root, String arch) {
        this.root = root;
        this.arch = arch;
    }

    /**
     * This machine: "/" and the JVM's architecture. EFIKEXEC_HOST_ROOT (or the system property
     * efikexec.hostRoot) names another root: a copy of a machine's /proc and /sys files, for
     * checking a bundle against that machine with --dry-run, and for tests.
     */
    public static HostSystem local() {
        String a = System.getProperty("os.arch");
        String root = System.getProperty("efikexec.hostRoot", System.getenv().getOrDefault("EFIKEXEC_HOST_ROOT", "/"));
        return new HostSystem(Path.of(root), a.equals("amd64") || a.equals("x86_64") ? "x86_64" : a);
    }

    public String arch() {
        return arch;
    }

    /** An absolute path of the running system, under root. */
    public Path path(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    public boolean exists(String absolute) {
        return Files.exists(path(absolute));
    }

    /** A text file's contents, empty when it does not exist; any other failure names the file. */
    public Optional<String> text(String absolute) {
        return bytes(absolute).map(b -> new String(b, StandardCharsets.ISO_8859_1));
    }

    public Optional<byte[]> bytes(String absolute) {
        Path p = path(absolute);
        try (var in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(MAX_TEXT + 1);
            if (b.length > MAX_TEXT) throw new HostException(absolute + ": more than " + MAX_TEXT + " bytes");
            return Optional.of(b);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new HostException(absolute + ": permission denied");
        } catch (IOException e) {
            throw new HostException(absolute + ": cannot read: " + e.getMessage());
        }
    }

    /** /proc/self/status CapEff, or -1 when the file or the line is missing. */
    public long effectiveCapabilities() {
        for (String line : text("/proc/self/status").orElse("").split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    return Long.parseUnsignedLong(line.substring(7).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new HostException("/proc/self/status: CapEff \"" + line.substring(7).strip() + "\" is not hexadecimal");
                }
            }
        }
        return -1;
    }

    /** The kernel was built with kexec (CONFIG_KEXEC_CORE): it then has /sys/kernel/kexec_loaded. */
    public boolean hasKexec() {
        return exists("/sys/kernel/kexec_loaded");
    }

    /** /sys/kernel/kexec_loaded is 1: an image is loaded and reboot(LINUX_REBOOT_CMD_KEXEC) would start it. */
    public boolean kexecLoaded() {
        return text("/sys/kernel/kexec_loaded").map(String::strip).orElse("0").equals("1");
    }

    /** /proc/sys/kernel/kexec_load_disabled is 1 (it can only be set, never cleared, until reboot). */
    public boolean kexecLoadDisabled() {
        return text("/proc/sys/kernel/kexec_load_disabled").map(String::strip).orElse("0").equals("1");
    }

    /**
     * The kernel lockdown mode, the bracketed word of /sys/kernel/security/lockdown ("none
     * [integrity] confidentiality"), or "none" when the file is missing (no lockdown LSM, or
     * securityfs not mounted).
     */
    public String lockdown() {
        String s = text("/sys/kernel/security/lockdown").orElse("[none]");
        int open = s.indexOf('[');
        int close = s.indexOf(']', open + 1);
        if (open < 0 || close < 0) {
            throw new HostException("/sys/kernel/security/lockdown: \"" + s.strip() + "\" names no [mode]");
        }
        return s.substring(open + 1, close);
    }
}
