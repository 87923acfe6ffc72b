package efikexec.purgatory.stub;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The assembled code of a handoff stub, read from the resources build.sh wrote at build time. */
final class StubCode {
    private StubCode() {
    }

    /** The resource's bytes; {@code binutils} names the Debian package that assembles it. */
    static byte[] read(String resource, String binutils) {
        try (InputStream in = StubCode.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing: purgatory-gen was built without its"
                        + " assembled stubs (src/main/asm/build.sh, " + binutils + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
