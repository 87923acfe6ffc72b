package efikexec.pe.uki;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The systemd-stub version a UKI was built from, from the marker every stub carries
 * ("#### LoaderInfo: systemd-stub 257.13-1~deb13u1 ####", in .sdmagic or, in older arm64
 * stubs, in .data). Features such as profiles (257) exist only from some version on.
 */
public record StubVersion(String text, int major) {
    private static final Pattern MARKER = Pattern.compile("#### LoaderInfo: systemd-stub ((\\d+)[^ #]*) ####");

    /** The version in the first {@code limit} bytes of the file (the stub part of a UKI). */
    public static Optional<StubVersion> find(byte[] file, int limit) {
        String head = new String(file, 0, Math.min(limit, file.length), StandardCharsets.ISO_8859_1);
        Matcher m = MARKER.matcher(head);
        if (!m.find()) return Optional.empty();
        return Optional.of(new StubVersion(m.group(1), Integer.parseInt(m.group(2))));
    }
}
