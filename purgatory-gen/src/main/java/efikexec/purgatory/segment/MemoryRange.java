package efikexec.purgatory.segment;

import java.util.Arrays;

/**
 * Bytes of target physical memory at kernel entry, as the snapshot took them: {@code bytes} lie
 * at [start, start + bytes.length). Neither start nor length need be page aligned. The array is
 * not copied (snapshots hold tens of MB); nobody may change it afterwards.
 */
public record MemoryRange(long start, byte[] bytes) {
    public MemoryRange {
        if (bytes == null) throw new IllegalArgumentException("no bytes");
        // addresses are non-negative longs as everywhere in efikexec (memmap's MemoryMap)
        if (start < 0 || start > Long.MAX_VALUE - bytes.length) {
            throw new IllegalArgumentException(String.format("range at 0x%x of 0x%x bytes is not below 2^63",
                    start, bytes.length));
        }
    }

    public long end() {
        return start + bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRange r && r.start == start && Arrays.equals(r.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(start) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x)", start, end());
    }
}
