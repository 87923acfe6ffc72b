package efikexec.model.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Guest memory over one Java byte array at a base address: for unit tests and small targets. */
public final class ByteArrayGuestMemory implements GuestMemory {
    private final long base;
    private final byte[] bytes;
    private final ByteBuffer le;

    public ByteArrayGuestMemory(long base, int size) {
        this.base = base;
        this.bytes = new byte[size];
        this.le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public long base() {
        return base;
    }

    public long size() {
        return bytes.length;
    }

    private int at(long address, long len) {
        if (!isMapped(address, len)) throw new GuestMemoryException(address, len);
        return (int) (address - base);
    }

    @Override
    public boolean isMapped(long address, long len) {
        return len >= 0 && address >= base && address - base <= bytes.length - len;
    }

    @Override
    public void read(long address, byte[] dst, int off, int len) {
        System.arraycopy(bytes, at(address, len), dst, off, len);
    }

    @Override
    public void write(long address, byte[] src, int off, int len) {
        System.arraycopy(src, off, bytes, at(address, len), len);
    }

    @Override
    public long readU64(long address) {
        return le.getLong(at(address, 8));
    }

    @Override
    public long readU32(long address) {
        return le.getInt(at(address, 4)) & 0xffffffffL;
    }

    @Override
    public void writeU64(long address, long value) {
        le.putLong(at(address, 8), value);
    }

    @Override
    public void writeU32(long address, long value) {
        le.putInt(at(address, 4), (int) value);
    }

    @Override
    public void copy(long dst, long src, long len) {
        System.arraycopy(bytes, at(src, len), bytes, at(dst, len), (int) len);
    }

    @Override
    public void fill(long address, long len, int value) {
        int a = at(address, len);
        java.util.Arrays.fill(bytes, a, a + (int) len, (byte) value);
    }
}
