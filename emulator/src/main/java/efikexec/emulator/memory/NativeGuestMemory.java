package efikexec.emulator.memory;

import com.sun.jna.Pointer;
import efikexec.model.memory.GuestMemory;
import efikexec.model.memory.GuestMemoryException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest memory over host mappings that the engine shares (uc_mem_map_ptr): reads and writes
 * are plain memory copies, with no engine call.
 */
public final class NativeGuestMemory implements GuestMemory {

    private record Region(long start, long size, Pointer host) {
        long end() {
            return start + size;
        }
    }

    private final List<Region> regions = new ArrayList<>();
    private Region last;

    public void add(long start, long size, Pointer host) {
        regions.add(new Region(start, size, host));
        regions.sort(Comparator.comparingLong(Region::start));
    }

    private Region region(long address, long len) {
        Region r = last;
        if (r != null && address >= r.start && address - r.start <= r.size - len) return r;
        int lo = 0, hi = regions.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region m = regions.get(mid);
            if (address < m.start) hi = mid - 1;
            else if (address >= m.end()) lo = mid + 1;
            else {
                if (len >= 0 && address - m.start <= m.size - len) {
                    last = m;
                    return m;
                }
                return null;
            }
        }
        return null;
    }

    @Override
    public boolean isMapped(long address, long len) {
        if (len <= 0) return len == 0;
        // Adjacent regions count as one range: a copy may cross a region boundary.
        long a = address, left = len;
        while (left > 0) {
            Region r = region(a, 1);
            if (r == null) return false;
            long n = Math.min(left, r.end() - a);
            a += n;
            left -= n;
        }
        return true;
    }

    private interface Chunk {
        void apply(Pointer host, long offset, int bufferOffset, int n);
    }

    private void each(long address, int len, Chunk c) {
        long a = address;
        int done = 0;
        while (done < len) {
            Region r = region(a, 1);
            if (r == null) throw new GuestMemoryException(a, len - done);
            int n = (int) Math.min(len - done, r.end() - a);
            c.apply(r.host, a - r.start, done, n);
            a += n;
            done += n;
        }
    }

    @Override
    public void read(long address, byte[] dst, int off, int len) {
        Region r = region(address, len);
        if (r != null) {
            r.host.read(address - r.start, dst, off, len);
            return;
        }
        each(address, len, (h, o, b, n) -> h.read(o, dst, off + b, n));
    }

    @Override
    public void write(long address, byte[] src, int off, int len) {
        Region r = region(address, len);
        if (r != null) {
            r.host.write(address - r.start, src, off, len);
            return;
        }
        each(address, len, (h, o, b, n) -> h.write(o, src, off + b, n));
    }

    @Override
    public long readU64(long address) {
        Region r = region(address, 8);
        return r != null ? r.host.getLong(address - r.start) : GuestMemory.super.readU64(address);
    }

    @Override
    public long readU32(long address) {
        Region r = region(address, 4);
        return r != null ? r.host.getInt(address - r.start) & 0xffffffffL : GuestMemory.super.readU32(address);
    }

    @Override
    public int readU16(long address) {
        Region r = region(address, 2);
        return r != null ? r.host.getShort(address - r.start) & 0xffff : GuestMemory.super.readU16(address);
    }

    @Override
    public int readU8(long address) {
        Region r = region(address, 1);
        if (r == null) throw new GuestMemoryException(address, 1);
        return r.host.getByte(address - r.start) & 0xff;
    }

    @Override
    public void writeU64(long address, long value) {
        Region r = region(address, 8);
        if (r != null) r.host.setLong(address - r.start, value);
        else GuestMemory.super.writeU64(address, value);
    }

    @Override
    public void writeU32(long address, long value) {
        Region r = region(address, 4);
        if (r != null) r.host.setInt(address - r.start, (int) value);
        else GuestMemory.super.writeU32(address, value);
    }

    @Override
    public void copy(long dst, long src, long len) {
        Region rs = region(src, len), rd = region(dst, len);
        if (rs != null && rd != null && len <= Integer.MAX_VALUE) {
            // One memmove through a direct buffer view; JNA has no native memmove.
            java.nio.ByteBuffer from = rs.host.getByteBuffer(src - rs.start, len);
            java.nio.ByteBuffer to = rd.host.getByteBuffer(dst - rd.start, len);
            if (rs == rd && dst > src && dst < src + len) {
                byte[] tmp = new byte[(int) len];
                from.get(tmp);
                to.put(tmp);
            } else {
                to.put(from);
            }
            return;
        }
        GuestMemory.super.copy(dst, src, len);
    }

    @Override
    public void fill(long address, long len, int value) {
        Region r = region(address, len);
        if (r != null) {
            r.host.setMemory(address - r.start, len, (byte) value);
            return;
        }
        GuestMemory.super.fill(address, len, value);
    }
}
