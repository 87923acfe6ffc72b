package efikexec.pe.uki;

import efikexec.pe.PeImage;
import efikexec.pe.PeSection;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The parts of a UKI as systemd-stub finds them: each named section's bytes, VirtualSize long
 * (the stub reads VirtualSize, not the padded SizeOfRawData).
 */
public final class UkiSections {
    private final PeImage pe;
    private final byte[] file;

    public UkiSections(PeImage pe, byte[] file) {
        this.pe = pe;
        this.file = file;
    }

    /** A PE is a UKI when it carries a kernel in .linux. */
    public static boolean isUki(PeImage pe) {
        return pe.section(".linux").isPresent();
    }

    public Optional<byte[]> bytes(String name) {
        return pe.section(name).map(this::read);
    }

    /** A text section (.cmdline, .uname, .osrel) without trailing NULs. */
    public Optional<String> text(String name) {
        return bytes(name).map(b -> {
            int n = b.length;
            while (n > 0 && b[n - 1] == 0) n--;
            return new String(b, 0, n, StandardCharsets.UTF_8);
        });
    }

    private byte[] read(PeSection s) {
        long from = s.pointerToRawData();
        long len = Math.min(s.virtualSize() != 0 ? s.virtualSize() : s.sizeOfRawData(), s.sizeOfRawData());
        if (from >= file.length) return new byte[0];
        return Arrays.copyOfRange(file, (int) from, (int) Math.min(file.length, from + len));
    }
}
