package efikexec.memmap;

/** A range [start, start+size) of target physical addresses. */
public record PhysicalRange(long start, long size) implements Comparable<PhysicalRange> {
    public PhysicalRange {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
    }

    public long end() {
        return start + size;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end()) < 0;
    }

    public boolean overlaps(PhysicalRange o) {
        return Long.compareUnsigned(start, o.end()) < 0 && Long.compareUnsigned(o.start, end()) < 0;
    }

    @Override
    public int compareTo(PhysicalRange o) {
        int c = Long.compareUnsigned(start, o.start);
        return c != 0 ? c : Long.compareUnsigned(size, o.size);
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x)", start, end());
    }
}
