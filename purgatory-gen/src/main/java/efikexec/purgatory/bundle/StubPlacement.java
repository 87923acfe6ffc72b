package efikexec.purgatory.bundle;

import efikexec.memmap.MemoryMap;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.BundleDoesNotFitException;
import efikexec.purgatory.segment.Segment;
import efikexec.purgatory.segment.TargetPages;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where the handoff stub lies: its code at [address, address + size), and below it its stack,
 * [address - STACK_SIZE, address). Both are in RAM that no segment and no reserved range
 * covers, so loading the stub overwrites nothing the kernel reads and nothing the target keeps.
 */
public record StubPlacement(long address, long size) {
    public static final long STACK_SIZE = 16 * 1024;
    /**
     * Low RAM that is skipped when anything else fits: QEMU virt writes its own DTB at the start
     * of RAM when it has one, and on x86 the first MiB is the BIOS's and real mode's.
     */
    public static final long AVOIDED_LOW_RAM = 2 * 1024 * 1024;
    private static final long PAGE = MemoryMap.PAGE_SIZE;

    public StubPlacement {
        if (size <= 0) throw new IllegalArgumentException("stub size " + size);
        if ((address & (PAGE - 1)) != 0 || address < STACK_SIZE) {
            throw new IllegalArgumentException(String.format("stub address 0x%x", address));
        }
    }

    public long stackBottom() {
        return address - STACK_SIZE;
    }

    /** The end of the stub's code, page aligned: the stub owns whole pages. */
    public long end() {
        return address + alignUp(size);
    }

    /**
     * The lowest page-aligned place at least {@link #AVOIDED_LOW_RAM} above the start of RAM
     * where stack and stub fit; failing that, the lowest place in those first 2 MiB.
     *
     * @throws BundleDoesNotFitException if no free RAM holds them
     */
    public static StubPlacement choose(TargetMemory target, List<Segment> segments, long stubSize) {
        if (stubSize <= 0) throw new IllegalArgumentException("stub size " + stubSize);
        long need = STACK_SIZE + alignUp(stubSize);
        TargetPages pages = TargetPages.of(target);
        if (!pages.ram().isEmpty()) {
            List<PhysicalRange> free = free(pages, segments);
            long preferred = pages.ram().get(0).start() + AVOIDED_LOW_RAM;
            for (long min : new long[] {preferred, 0}) {
                for (PhysicalRange f : free) {
                    long lo = Math.max(f.start(), min);
                    if (f.end() - lo >= need) return new StubPlacement(lo + STACK_SIZE, stubSize);
                }
            }
        }
        throw new BundleDoesNotFitException(String.format(
                "no room for the handoff stub: it needs 0x%x bytes (0x%x of code, a 0x%x-byte stack) of RAM"
                        + " that no segment and no reserved range covers", need, stubSize, STACK_SIZE));
    }

    /** RAM minus every segment and every reserved page, in address order. */
    private static List<PhysicalRange> free(TargetPages pages, List<Segment> segments) {
        List<PhysicalRange> taken = new ArrayList<>(pages.reserved());
        for (Segment s : segments) taken.add(new PhysicalRange(s.address(), s.memsz()));
        taken.sort(Comparator.naturalOrder());
        List<PhysicalRange> free = new ArrayList<>();
        for (PhysicalRange r : pages.ram()) {
            long cursor = r.start();
            for (PhysicalRange t : taken) {
                if (t.end() <= cursor || t.start() >= r.end()) continue;
                if (t.start() > cursor) free.add(new PhysicalRange(cursor, t.start() - cursor));
                cursor = Math.max(cursor, t.end());
            }
            if (r.end() > cursor) free.add(new PhysicalRange(cursor, r.end() - cursor));
        }
        return free;
    }

    private static long alignUp(long a) {
        return TargetPages.alignUp(a);
    }
}
