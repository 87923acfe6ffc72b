package efikexec.model.memory;

import java.nio.charset.StandardCharsets;

/**
 * The target's physical memory as the firmware sees it: little-endian, addressed by target
 * physical address. Boot services see guest memory only through this interface, so that they
 * run the same over a byte array in unit tests and over the emulator's RAM.
 * Accesses outside mapped memory throw {@link GuestMemoryException}.
 */
public interface GuestMemory {

    void read(long address, byte[] dst, int off, int len);

    void write(long address, byte[] src, int off, int len);

    default byte[] read(long address, int len) {
        byte[] b = new byte[len];
        read(address, b, 0, len);
        return b;
    }

    default void write(long address, byte[] src) {
        write(address, src, 0, src.length);
    }

    default int readU8(long address) {
        byte[] b = new byte[1];
        read(address, b, 0, 1);
        return b[0] & 0xff;
    }

    default int readU16(long address) {
        byte[] b = read(address, 2);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    default long readU32(long address) {
        byte[] b = read(address, 4);
        return (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24;
    }

    default long readU64(long address) {
        byte[] b = read(address, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (b[i] & 0xff);
        return v;
    }

    default void writeU8(long address, int value) {
        write(address, new byte[] {(byte) value}, 0, 1);
    }

    default void writeU16(long address, int value) {
        write(address, new byte[] {(byte) value, (byte) (value >> 8)}, 0, 2);
    }

    default void writeU32(long address, long value) {
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) b[i] = (byte) (value >>> (8 * i));
        write(address, b, 0, 4);
    }

    default void writeU64(long address, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (value >>> (8 * i));
        write(address, b, 0, 8);
    }

    /** memmove semantics: overlapping ranges copy as if through a temporary buffer. */
    default void copy(long dst, long src, long len) {
        final int chunk = 1 << 20;
        if (dst > src && dst < src + len) {
            for (long done = len; done > 0; ) {
                int n = (int) Math.min(chunk, done);
                done -= n;
                write(dst + done, read(src + done, n));
            }
        } else {
            for (long done = 0; done < len; ) {
                int n = (int) Math.min(chunk, len - done);
                write(dst + done, read(src + done, n));
                done += n;
            }
        }
    }

    default void fill(long address, long len, int value) {
        byte[] b = new byte[(int) Math.min(len, 1 << 20)];
        java.util.Arrays.fill(b, (byte) value);
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(b.length, len - done);
            write(address + done, b, 0, n);
            done += n;
        }
    }

    /** Whether [address, address+len) lies entirely in mapped memory. */
    boolean isMapped(long address, long len);

    /** A NUL-terminated UCS-2 string of at most maxChars characters. */
    default String readUcs2(long address, int maxChars) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < maxChars; i++) {
            int c = readU16(address + 2L * i);
            if (c == 0) break;
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Writes s as UCS-2 with a terminating NUL; returns the bytes written. */
    default int writeUcs2(long address, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_16LE);
        write(address, b);
        return b.length;
    }
}
