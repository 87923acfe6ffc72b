package efikexec.pe;

import efikexec.model.FormatException;

/**
 * Bounds-checked little-endian reads from a file held in memory. A read past the end throws
 * {@link FormatException} naming the field being read, never an index exception.
 */
public final class FileBytes {
    private FileBytes() {}

    /** Throws unless [offset, offset+len) lies inside the file. */
    public static void require(byte[] file, long offset, long len, String field, String what) {
        if (offset < 0 || len < 0 || offset > file.length || len > file.length - offset) {
            throw new FormatException(field, offset, String.format(
                    "file ends at 0x%x inside the %s (needs 0x%x bytes from 0x%x)",
                    file.length, what, len, offset));
        }
    }

    public static int u8(byte[] file, long offset, String field) {
        require(file, offset, 1, field, field);
        return file[(int) offset] & 0xff;
    }

    public static int u16(byte[] file, long offset, String field) {
        require(file, offset, 2, field, field);
        int o = (int) offset;
        return (file[o] & 0xff) | (file[o + 1] & 0xff) << 8;
    }

    public static long u32(byte[] file, long offset, String field) {
        require(file, offset, 4, field, field);
        int o = (int) offset;
        return (file[o] & 0xffL) | (file[o + 1] & 0xffL) << 8 | (file[o + 2] & 0xffL) << 16
                | (file[o + 3] & 0xffL) << 24;
    }

    public static long u64(byte[] file, long offset, String field) {
        return u32(file, offset, field) | u32(file, offset + 4, field) << 32;
    }

    /** Whether the file holds exactly these bytes at offset (false if it is too short). */
    public static boolean startsWithAt(byte[] file, int offset, byte... expected) {
        if (offset < 0 || offset > file.length - expected.length) return false;
        for (int i = 0; i < expected.length; i++) {
            if (file[offset + i] != expected[i]) return false;
        }
        return true;
    }
}
