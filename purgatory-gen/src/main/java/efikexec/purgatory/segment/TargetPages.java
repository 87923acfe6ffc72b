package efikexec.purgatory.segment;

import efikexec.memmap.MemoryMap;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The target in whole pages, the way memmap's MemoryMap rounds it: RAM joined where it touches
 * and narrowed to whole pages (a partial page is not ours), reserved ranges widened to every
 * page they touch (no part of such a page is ours to write). Both lists sorted.
 */
public record TargetPages(List<PhysicalRange> ram, List<PhysicalRange> reserved) {
    private static final long PAGE = MemoryMap.PAGE_SIZE;

    public TargetPages {
        ram = List.copyOf(ram);
        reserved = List.copyOf(reserved);
    }

    public static TargetPages of(TargetMemory target) {
        List<PhysicalRange> sorted = new ArrayList<>(target.ram());
        sorted.removeIf(r -> r.size() == 0 || r.start() < 0 || r.end() < r.start());
        sorted.sort(Comparator.naturalOrder());
        List<PhysicalRange> joined = new ArrayList<>();
        for (PhysicalRange r : sorted) {
            PhysicalRange last = joined.isEmpty() ? null : joined.get(joined.size() - 1);
            if (last != null && r.start() <= last.end()) {
                joined.set(joined.size() - 1, new PhysicalRange(last.start(), Math.max(last.end(), r.end()) - last.start()));
            } else {
                joined.add(r);
            }
        }
        List<PhysicalRange> ram = new ArrayList<>();
        for (PhysicalRange r : joined) {
            long s = alignUp(r.start());
            long e = alignDown(r.end());
            if (e > s) ram.add(new PhysicalRange(s, e - s));
        }
        List<PhysicalRange> reserved = new ArrayList<>();
        for (PhysicalRange r : target.reserved()) {
            if (r.size() == 0 || r.start() < 0) continue; // empty, or above all memory we write
            long s = alignDown(r.start());
            long e = r.end() < 0 || r.end() > Long.MAX_VALUE - PAGE ? alignDown(Long.MAX_VALUE) : alignUp(r.end());
            reserved.add(new PhysicalRange(s, e - s));
        }
        reserved.sort(Comparator.naturalOrder());
        return new TargetPages(ram, reserved);
    }

    /** Whether [start, end) lies inside one RAM range. */
    public boolean isRam(long start, long end) {
        for (PhysicalRange r : ram) {
            if (r.start() <= start && end <= r.end()) return true;
        }
        return false;
    }

    /** The first reserved range that [start, end) overlaps, or null. */
    public PhysicalRange reservedIn(long start, long end) {
        for (PhysicalRange r : reserved) {
            if (r.start() < end && start < r.end()) return r;
        }
        return null;
    }

    public static long alignDown(long a) {
        return a & -PAGE;
    }

    public static long alignUp(long a) {
        return (a + PAGE - 1) & -PAGE;
    }
}
