package efikexec.purgatory.segment;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 a segment is checked against: over all memsz bytes at its address, that is the
 * buffer followed by memsz - bufsz zero bytes, not over the buffer alone. The stub checks what
 * the kernel will read; hashing only bufsz bytes would let a zero tail that a loader failed to
 * clear, or that something wrote between load and reboot, pass unnoticed. The price is hashing
 * the zero tails too (page rounding and BSS-like tails: small next to the image and initrd).
 */
public final class SegmentDigest {
    public static final int SIZE = 32;
    private static final byte[] ZEROS = new byte[64 * 1024];

    private SegmentDigest() {
    }

    public static byte[] sha256(Segment segment) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        md.update(segment.buffer());
        for (long tail = segment.memsz() - segment.bufsz(); tail > 0; ) {
            int n = (int) Math.min(tail, ZEROS.length);
            md.update(ZEROS, 0, n);
            tail -= n;
        }
        return md.digest();
    }
}
