package efikexec.purgatory.segment;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 a segment is checked against: over its buffer, the bufsz bytes the loader copies,
 * as kexec-tools' purgatory hashes a segment. The memsz - bufsz bytes after them are the loader's
 * zero fill; the stub checks those by reading them as zero, not by hashing them: hashing zeros
 * costs as much as hashing data (~40 instructions a byte on x86 without SHA-NI) and proves no
 * more than a zero test, which costs a load per 8 or 16 bytes. The kexec'd x86 kernel's BSS and
 * the zero pages inside its image are about half of its 64 MiB.
 */
public final class SegmentDigest {
    public static final int SIZE = 32;

    private SegmentDigest() {
    }

    public static byte[] sha256(Segment segment) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(segment.buffer());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
