package efikexec.kexec.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A directory shaped like a running system's /proc and /sys, for HostSystem tests. */
final class FakeHost {
    final Path root;

    FakeHost(Path root) {
        this.root = root;
    }

    /** A kexec-capable, unlocked x86 system where this process has every capability. */
    static FakeHost permissive(Path root) {
        FakeHost h = new FakeHost(root);
        h.file("/sys/kernel/kexec_loaded", "0\n");
        h.file("/proc/sys/kernel/kexec_load_disabled", "0\n");
        h.file("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
        h.file("/proc/self/status", "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n");
        return h;
    }

    FakeHost file(String absolute, String text) {
        try {
            Path p = root.resolve(absolute.substring(1));
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    FakeHost delete(String absolute) {
        try {
            Files.delete(root.resolve(absolute.substring(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** /sys/firmware/memmap entries: {start, end (inclusive), type}. */
    FakeHost memmap(String[]... entries) {
        for (int i = 0; i < entries.length; i++) {
            file("/sys/firmware/memmap/" + i + "/start", entries[i][0] + "\n");
            file("/sys/firmware/memmap/" + i + "/end", entries[i][1] + "\n");
            file("/sys/firmware/memmap/" + i + "/type", entries[i][2] + "\n");
        }
        return this;
    }

    HostSystem system() {
        return new HostSystem(root, "x86_64");
    }
}
