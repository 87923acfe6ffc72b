package efikexec.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * An EFI_GUID. Held as the two longs of its canonical text form; in memory the first three
 * fields are little-endian (the mixed-endian layout of the UEFI spec, appendix A).
 */
public record Guid(long msb, long lsb) implements Comparable<Guid> {

    public static final int SIZE = 16;

    public static Guid parse(String text) {
        UUID u = UUID.fromString(text);
        return new Guid(u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    public static Guid fromBytes(byte[] b, int off) {
        ByteBuffer le = ByteBuffer.wrap(b, off, 16).order(ByteOrder.LITTLE_ENDIAN);
        long d1 = le.getInt() & 0xffffffffL;
        long d2 = le.getShort() & 0xffffL;
        long d3 = le.getShort() & 0xffffL;
        long msb = (d1 << 32) | (d2 << 16) | d3;
        long lsb = ByteBuffer.wrap(b, off + 8, 8).order(ByteOrder.BIG_ENDIAN).getLong();
        return new Guid(msb, lsb);
    }

    public byte[] toBytes() {
        byte[] b = new byte[16];
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        le.putInt((int) (msb >>> 32));
        le.putShort((short) (msb >>> 16));
        le.putShort((short) msb);
        ByteBuffer.wrap(b, 8, 8).order(ByteOrder.BIG_ENDIAN).putLong(lsb);
        return b;
    }

    @Override
    public String toString() {
        return new UUID(msb, lsb).toString();
    }

    @Override
    public int compareTo(Guid o) {
        int c = Long.compareUnsigned(msb, o.msb);
        return c != 0 ? c : Long.compareUnsigned(lsb, o.lsb);
    }
}
