package efikexec.purgatory.stub;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One entry of a stub's segment table: the stub hashes [address, address + size) of memory as it
 * finds it, then reads the {@code zeros} bytes after that, and refuses to enter the kernel unless
 * the SHA-256 equals {@code sha256} and every one of those bytes is zero. Named apart from
 * {@link efikexec.purgatory.segment.SegmentDigest}, which computes such a digest from a segment;
 * this is what the stub is told to compare against.
 *
 * @param address target physical address, 4-byte aligned: the stub runs with the MMU off, where
 *     memory is Device memory and a word load from an unaligned address faults
 * @param size bytes to hash (a segment's bufsz); 0 is allowed (the digest of nothing)
 * @param zeros bytes after those that must be zero (memsz - bufsz)
 * @param sha256 the expected digest, 32 bytes (copied)
 */
public record SegmentCheck(long address, long size, long zeros, byte[] sha256) {
    public static final int SHA256_SIZE = 32;

    /** A check with no zero tail. */
    public SegmentCheck(long address, long size, byte[] sha256) {
        this(address, size, 0, sha256);
    }

    public SegmentCheck {
        if (sha256 == null || sha256.length != SHA256_SIZE) {
            throw new IllegalArgumentException(String.format("segment at 0x%x: SHA-256 must be %d bytes, not %s",
                    address, SHA256_SIZE, sha256 == null ? "missing" : sha256.length));
        }
        if (address < 0 || (address & 3) != 0) {
            throw new IllegalArgumentException(String.format("segment address 0x%x is not 4-byte aligned below 2^63",
                    address));
        }
        if (size < 0 || zeros < 0 || size > Long.MAX_VALUE - address || zeros > Long.MAX_VALUE - address - size) {
            throw new IllegalArgumentException(String.format(
                    "segment at 0x%x: size 0x%x and zeros 0x%x do not end below 2^63", address, size, zeros));
        }
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentCheck c && c.address == address && c.size == size && c.zeros == zeros
                && Arrays.equals(c.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(address) * 31 + Long.hashCode(size)) * 31 + Long.hashCode(zeros)) * 31
                + Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return String.format("[0x%x, +0x%x) sha256 %s, then 0x%x zero bytes", address, size,
                HexFormat.of().formatHex(sha256), zeros);
    }
}
