package efikexec.bootservices.port;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Random bytes for EFI_RNG_PROTOCOL and the random-seed table, from an explicit seed: the same
 * seed gives the same bytes, so runs (and bundles) are reproducible. SHA-256 in counter mode:
 * java.util.Random's output is not guaranteed across JDK versions for all methods, a digest is.
 */
public final class EntropySource {
    private final long seed;
    private long counter;
    private final MessageDigest sha;

    public EntropySource(long seed) {
        this.seed = seed;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long seed() {
        return seed;
    }

    public byte[] next(int n) {
        byte[] out = new byte[n];
        for (int off = 0; off < n; off += 32) {
            sha.update(ByteBuffer.allocate(16).putLong(seed).putLong(counter++).array());
            byte[] block = sha.digest();
            System.arraycopy(block, 0, out, off, Math.min(32, n - off));
        }
        return out;
    }
}
