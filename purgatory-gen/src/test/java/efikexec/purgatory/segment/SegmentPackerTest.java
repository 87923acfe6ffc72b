package efikexec.purgatory.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.BundleDoesNotFitException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SegmentPackerTest {
    static final long PAGE = 0x1000;
    static final long RAM = 0x4000_0000L;

    /** QEMU virt, 1 GiB, plus the given reserved ranges. */
    static TargetMemory virt(PhysicalRange... reserved) {
        return new TargetMemory(List.of(new PhysicalRange(RAM, 0x4000_0000L)), List.of(reserved));
    }

    static PhysicalRange span(long start, long end) {
        return new PhysicalRange(start, end - start);
    }

    /** size bytes of 1…255, never 0, so that nothing is trimmed unless a test says so. */
    static MemoryRange data(long start, int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (1 + (i * 7 + seed) % 255);
        return new MemoryRange(start, b);
    }

    static List<Segment> pack(TargetMemory target, int limit, MemoryRange... ranges) {
        return SegmentPacker.pack(List.of(ranges), target, limit);
    }

    /** The byte at address as the loaded segments give it (zero beyond bufsz), or -1 if no segment covers it. */
    static int loaded(List<Segment> segments, long address) {
        for (Segment s : segments) {
            if (address >= s.address() && address < s.end()) {
                long at = address - s.address();
                return at < s.bufsz() ? s.buffer()[(int) at] & 0xff : 0;
            }
        }
        return -1;
    }

    @Nested
    class Alignment {
        @Test
        void anUnalignedRangeIsWidenedToItsPagesAndKeepsItsBytesAtTheirOffset() {
            List<Segment> s = pack(virt(), 16, new MemoryRange(0x4020_0123L, new byte[] {1, 2, 3}));
            assertThat(s).hasSize(1);
            assertThat(s.get(0).address()).isEqualTo(0x4020_0000L);
            assertThat(s.get(0).memsz()).isEqualTo(PAGE);
            assertThat(s.get(0).bufsz()).isEqualTo(0x126);
            assertThat(Arrays.copyOfRange(s.get(0).buffer(), 0x123, 0x126)).containsExactly(1, 2, 3);
            assertThat(Arrays.copyOf(s.get(0).buffer(), 0x123)).containsOnly(0);
        }

        @Test
        void anEndOnePastAPageTakesTheWholeNextPage() {
            List<Segment> s = pack(virt(), 16, data(0x4020_0000L, 0x1001, 0));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.memsz()).isEqualTo(0x2000);
                assertThat(x.bufsz()).isEqualTo(0x1001);
            });
        }

        @Test
        void emptyRangesAreIgnoredAndNoRangesGiveNoSegments() {
            assertThat(pack(virt(), 16)).isEmpty();
            assertThat(pack(virt(), 16, new MemoryRange(0x4020_0800L, new byte[0]))).isEmpty();
        }
    }

    @Nested
    class Merging {
        @Test
        void touchingAndOverlappingRangesBecomeOneSegmentAndTheLaterRangeWinsWhereTheyOverlap() {
            MemoryRange a = data(0x4020_0000L, 0x1000, 1);
            MemoryRange b = data(0x4020_1000L, 0x1000, 2); // touches a
            MemoryRange c = new MemoryRange(0x4020_1800L, filled(0x1800, 0x5a)); // overlaps b's second half
            List<Segment> s = pack(virt(), 16, a, b, c);
            assertThat(s).hasSize(1);
            Segment x = s.get(0);
            assertThat(x.address()).isEqualTo(0x4020_0000L);
            assertThat(x.memsz()).isEqualTo(0x3000);
            assertThat(Arrays.copyOfRange(x.buffer(), 0, 0x1000)).isEqualTo(a.bytes());
            assertThat(Arrays.copyOfRange(x.buffer(), 0x1000, 0x1800)).isEqualTo(Arrays.copyOf(b.bytes(), 0x800));
            assertThat(Arrays.copyOfRange(x.buffer(), 0x1800, 0x3000)).containsOnly(0x5a);
        }

        @Test
        void rangesSharingOnePageKeepEachItsOwnBytesAndZerosBetween() {
            List<Segment> s = pack(virt(), 16, data(0x4020_0000L, 0x10, 3), data(0x4020_0800L, 0x10, 4));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.memsz()).isEqualTo(PAGE);
                assertThat(x.bufsz()).isEqualTo(0x810);
                assertThat(Arrays.copyOfRange(x.buffer(), 0x10, 0x800)).containsOnly(0);
                assertThat(Arrays.copyOfRange(x.buffer(), 0x800, 0x810)).isEqualTo(data(0, 0x10, 4).bytes());
            });
        }

        @Test
        void separateRangesWithinTheLimitStaySeparateInAddressOrder() {
            List<Segment> s = pack(virt(), 16, data(0x5000_0000L, 0x2000, 0), data(0x4020_0000L, 0x1000, 1),
                    data(0x4100_0000L, 0x100, 2));
            assertThat(s).extracting(Segment::address).containsExactly(0x4020_0000L, 0x4100_0000L, 0x5000_0000L);
            assertThat(s).extracting(Segment::memsz).containsExactly(0x1000L, 0x1000L, 0x2000L);
        }

        @Test
        void overTheLimitTheSmallestGapsAreCoveredWithZeros() {
            // one page each, gaps of 5, 1, 3 and 2 pages: at most 3 segments covers the 1 and the 2
            long b0 = 0x4020_0000L;
            long b1 = b0 + 6 * PAGE;
            long b2 = b1 + 2 * PAGE;
            long b3 = b2 + 4 * PAGE;
            long b4 = b3 + 3 * PAGE;
            MemoryRange[] r = {data(b0, 0x1000, 0), data(b1, 0x1000, 1), data(b2, 0x1000, 2), data(b3, 0x1000, 3),
                data(b4, 0x1000, 4)};
            List<Segment> s = pack(virt(), 3, r);
            assertThat(s).extracting(Segment::address).containsExactly(b0, b1, b3);
            assertThat(s).extracting(Segment::memsz).containsExactly(PAGE, 3 * PAGE, 4 * PAGE);
            for (MemoryRange x : r) {
                for (int i = 0; i < x.bytes().length; i++) assertThat(loaded(s, x.start() + i)).isEqualTo(x.bytes()[i] & 0xff);
            }
            for (long a = b1 + PAGE; a < b2; a++) assertThat(loaded(s, a)).isZero();
            for (long a = b3 + PAGE; a < b4; a++) assertThat(loaded(s, a)).isZero();
            assertThat(loaded(s, b0 + PAGE)).isEqualTo(-1); // the 5-page gap stays uncovered
        }

        @Test
        void equalGapsAreCoveredLowestFirst() {
            long a = 0x4020_0000L;
            List<Segment> s = pack(virt(), 2, data(a, 0x1000, 0), data(a + 2 * PAGE, 0x1000, 1), data(a + 4 * PAGE, 0x1000, 2));
            assertThat(s).extracting(Segment::address).containsExactly(a, a + 4 * PAGE);
        }
    }

    @Nested
    class Trimming {
        @Test
        void trailingZerosAreLeftToMemszAndInnerZerosAreKept() {
            byte[] b = new byte[0x3000];
            b[0] = 9;
            b[0x17ff] = 8; // zeros between these two stay stored
            List<Segment> s = pack(virt(), 16, new MemoryRange(0x4020_0000L, b));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.memsz()).isEqualTo(0x3000);
                assertThat(x.buffer()).isEqualTo(Arrays.copyOf(b, 0x1800));
            });
        }

        @Test
        void anAllZeroRangeIsASegmentWithNothingStored() {
            List<Segment> s = pack(virt(), 16, new MemoryRange(0x4020_0000L, new byte[0x2000]));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.bufsz()).isZero();
                assertThat(x.memsz()).isEqualTo(0x2000);
            });
        }

        @Test
        void zerosThatALaterRangeWritesOverAnEarlierTailAreTrimmedToo() {
            List<Segment> s = pack(virt(), 16, data(0x4020_0000L, 0x2000, 0), new MemoryRange(0x4020_1000L, new byte[0x1000]));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.bufsz()).isEqualTo(0x1000);
                assertThat(x.memsz()).isEqualTo(0x2000);
            });
        }

        @Test
        void aTrailingZeroRangeAfterDataAddsToMemszOnly() {
            List<Segment> s = pack(virt(), 16, data(0x4020_0000L, 0x800, 0), new MemoryRange(0x4020_1000L, new byte[0x4000]));
            assertThat(s).singleElement().satisfies(x -> {
                assertThat(x.bufsz()).isEqualTo(0x800);
                assertThat(x.memsz()).isEqualTo(0x5000);
            });
        }
    }

    @Nested
    class ZeroRuns {
        /** pages of data, zero pages, pages of data: the zero pages start at base + before pages */
        byte[] dataZerosData(int before, int zeros, int after) {
            byte[] b = new byte[(int) ((before + zeros + after) * PAGE)];
            Arrays.fill(b, 0, (int) (before * PAGE), (byte) 7);
            Arrays.fill(b, (int) ((before + zeros) * PAGE), b.length, (byte) 9);
            return b;
        }

        @Test
        void aRunOfZeroPagesInsideASegmentBecomesTheZeroFillOfItsFirstPart() {
            long a = 0x4020_0000L;
            byte[] b = dataZerosData(3, 20, 2);
            b[(int) (3 * PAGE) - 1] = 0; // the first part's last data page ends in a zero: trimmed
            List<Segment> s = pack(virt(), 16, new MemoryRange(a, b));
            assertThat(s).hasSize(2);
            assertThat(s.get(0).address()).isEqualTo(a);
            assertThat(s.get(0).bufsz()).isEqualTo(3 * PAGE - 1);
            assertThat(s.get(0).memsz()).isEqualTo(23 * PAGE);
            assertThat(s.get(1).address()).isEqualTo(a + 23 * PAGE);
            assertThat(s.get(1).buffer()).isEqualTo(Arrays.copyOfRange(b, (int) (23 * PAGE), b.length));
            assertThat(s.get(1).memsz()).isEqualTo(2 * PAGE);
            assertPackingRules(s, List.of(new MemoryRange(a, b)), virt(), "split");
        }

        @Test
        void aRunShorterThanSixteenPagesStaysStored() {
            byte[] b = dataZerosData(1, 15, 1);
            assertThat(pack(virt(), 16, new MemoryRange(0x4020_0000L, b))).singleElement()
                    .satisfies(x -> assertThat(x.buffer()).isEqualTo(b));
        }

        @Test
        void theLongestRunsAreSplitWhileTheLimitAllows() {
            long a = 0x4020_0000L;
            byte[] b = new byte[(int) (100 * PAGE)];
            // data pages at 0, 20, 60 and 99: runs of 19, 39 and 38 pages
            for (int page : new int[] {0, 20, 60, 99}) Arrays.fill(b, (int) (page * PAGE), (int) ((page + 1) * PAGE), (byte) 5);
            assertThat(pack(virt(), 1, new MemoryRange(a, b))).hasSize(1);
            assertThat(pack(virt(), 2, new MemoryRange(a, b))).extracting(Segment::address).containsExactly(a, a + 60 * PAGE);
            assertThat(pack(virt(), 3, new MemoryRange(a, b))).extracting(Segment::address)
                    .containsExactly(a, a + 60 * PAGE, a + 99 * PAGE);
            List<Segment> all = pack(virt(), 16, new MemoryRange(a, b));
            assertThat(all).extracting(Segment::address).containsExactly(a, a + 20 * PAGE, a + 60 * PAGE, a + 99 * PAGE);
            assertThat(all).extracting(Segment::bufsz).containsOnly((int) PAGE);
            assertPackingRules(all, List.of(new MemoryRange(a, b)), virt(), "four parts");
        }

        @Test
        void equalRunsAreSplitLowestFirstAcrossSegments() {
            long a = 0x4020_0000L;
            long c = 0x5000_0000L;
            List<Segment> s = pack(virt(), 3, new MemoryRange(c, dataZerosData(1, 16, 1)), new MemoryRange(a, dataZerosData(1, 16, 1)));
            assertThat(s).extracting(Segment::address).containsExactly(a, a + 17 * PAGE, c);
        }
    }

    @Nested
    class Limits {
        @Test
        void aGapWithAReservedRangeIsNeverCoveredEvenWhenItIsTheSmallest() {
            long a = 0x4020_0000L;
            // gap 1: one page holding 0x100 reserved bytes; gap 2: ten free pages
            List<Segment> s = pack(virt(span(a + PAGE + 0x800, a + PAGE + 0x900)), 2,
                    data(a, 0x1000, 0), data(a + 2 * PAGE, 0x1000, 1), data(a + 13 * PAGE, 0x1000, 2));
            assertThat(s).extracting(Segment::address).containsExactly(a, a + 2 * PAGE);
            assertThat(s.get(1).memsz()).isEqualTo(12 * PAGE);
        }

        @Test
        void aGapOutsideRamIsNeverCovered() {
            TargetMemory banks = new TargetMemory(List.of(span(0x4000_0000L, 0x4100_0000L), span(0x4200_0000L, 0x4300_0000L)),
                    List.of());
            assertThatThrownBy(() -> pack(banks, 1, data(0x40ff_f000L, 0x1000, 0), data(0x4200_0000L, 0x1000, 1)))
                    .isInstanceOf(TooManySegmentsException.class)
                    .hasMessage("the snapshot needs 2 segments, kexec allows 1");
        }

        @Test
        void seventeenRangesSeparatedByReservedPagesNeedSeventeenSegments() {
            List<MemoryRange> r = new ArrayList<>();
            List<PhysicalRange> reserved = new ArrayList<>();
            for (int i = 0; i < 17; i++) {
                long at = 0x4020_0000L + i * 2 * PAGE;
                r.add(data(at, 0x1000, i));
                reserved.add(span(at + PAGE, at + PAGE + 8));
            }
            TargetMemory target = new TargetMemory(List.of(span(RAM, 2 * RAM)), reserved);
            assertThatThrownBy(() -> SegmentPacker.pack(r, target, SegmentPacker.KEXEC_SEGMENT_MAX))
                    .isInstanceOfSatisfying(TooManySegmentsException.class, e -> {
                        assertThat(e.needed()).isEqualTo(17);
                        assertThat(e.limit()).isEqualTo(16);
                    })
                    .hasMessage("the snapshot needs 17 segments, kexec allows 16");
        }

        @Test
        void theNumberNeededCountsTheGapsThatCanStillBeCovered() {
            // 20 ranges; the gaps after ranges 0, 5 and 10 are free, every other holds a reserved page
            List<MemoryRange> r = new ArrayList<>();
            List<PhysicalRange> reserved = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long at = 0x4020_0000L + i * 2 * PAGE;
                r.add(data(at, 0x1000, i));
                if (i != 0 && i != 5 && i != 10) reserved.add(span(at + PAGE, at + 2 * PAGE));
            }
            TargetMemory target = new TargetMemory(List.of(span(RAM, 2 * RAM)), reserved);
            assertThatThrownBy(() -> SegmentPacker.pack(r, target, 16)).hasMessage("the snapshot needs 17 segments, kexec allows 16");
            assertThat(SegmentPacker.pack(r, target, 17)).hasSize(17);
        }

        @Test
        void snapshotMemoryInAReservedPageIsRefused() {
            // not overlapping the reserved bytes, but in their page: the whole page is reserved
            assertThatThrownBy(() -> pack(virt(span(0x4800_0800L, 0x4800_2800L)), 16, data(0x4800_2900L, 0x10, 0)))
                    .isExactlyInstanceOf(BundleDoesNotFitException.class)
                    .hasMessage("snapshot memory [0x48002900-0x48002910) lies in the target's reserved range"
                            + " [0x48000000-0x48003000)");
        }
    }

    @Nested
    class Determinism {
        @Test
        void theSameRangesInAnyOrderGiveTheSameSegments() {
            List<MemoryRange> r = randomDisjointRanges(new Random(7), 40);
            List<Segment> first = SegmentPacker.pack(r, virt(), 16);
            List<MemoryRange> shuffled = new ArrayList<>(r);
            Collections.shuffle(shuffled, new Random(8));
            assertThat(SegmentPacker.pack(r, virt(), 16)).isEqualTo(first);
            assertThat(SegmentPacker.pack(shuffled, virt(), 16)).isEqualTo(first);
        }

        @Test
        void randomSnapshotsLoadAsTheirMemoryAndKeepEveryRule() {
            for (int seed = 0; seed < 200; seed++) {
                Random rnd = new Random(seed);
                List<MemoryRange> r = new ArrayList<>();
                List<PhysicalRange> reservedList = new ArrayList<>();
                long cursor = 0x4020_0000L + rnd.nextInt(0x1000);
                long reached = cursor; // the end of the ranges so far: an overlapping range may end before an earlier one
                int n = 1 + rnd.nextInt(40);
                for (int i = 0; i < n; i++) {
                    int size = 1 + rnd.nextInt(0x3000);
                    byte[] b = new byte[size];
                    rnd.nextBytes(b);
                    if (rnd.nextInt(3) == 0) Arrays.fill(b, rnd.nextInt(size), size, (byte) 0); // a zero tail
                    if (rnd.nextInt(4) == 0) { // a run of zero pages inside, worth a segment of its own
                        b = Arrays.copyOf(b, size + (int) (20 * PAGE) + 1);
                        b[b.length - 1] = 1;
                        size = b.length;
                    }
                    r.add(new MemoryRange(cursor, b));
                    reached = Math.max(reached, cursor + size);
                    // the next range overlaps, touches, shares a page or leaves a gap, which may hold reserved bytes
                    switch (rnd.nextInt(4)) {
                        case 0 -> cursor += rnd.nextInt(size);
                        case 1 -> cursor += size;
                        case 2 -> cursor += size + rnd.nextInt(0x100);
                        default -> {
                            long gapStart = (reached + PAGE - 1) & -PAGE;
                            long gapPages = 1 + rnd.nextInt(8);
                            if (rnd.nextBoolean()) reservedList.add(span(gapStart + rnd.nextInt(0x800), gapStart + 0x900));
                            cursor = gapStart + gapPages * PAGE + rnd.nextInt(0x1000);
                        }
                    }
                }
                Collections.shuffle(reservedList, rnd);
                TargetMemory target = virt(reservedList.toArray(PhysicalRange[]::new));
                int limit = 1 + rnd.nextInt(16);
                List<Segment> s;
                try {
                    s = SegmentPacker.pack(r, target, limit);
                } catch (TooManySegmentsException e) {
                    assertThat(e.needed()).as("seed %d", seed).isGreaterThan(limit);
                    assertThat(SegmentPacker.pack(r, target, e.needed())).as("seed %d", seed).hasSize(e.needed());
                    continue;
                }
                assertThat(s).as("seed %d", seed).hasSizeLessThanOrEqualTo(limit);
                assertPackingRules(s, r, target, "seed " + seed);
            }
        }
    }

    static void assertPackingRules(List<Segment> s, List<MemoryRange> ranges, TargetMemory target, String what) {
        for (int i = 0; i < s.size(); i++) {
            Segment x = s.get(i);
            assertThat(x.address() % PAGE).as(what).isZero();
            assertThat(x.memsz() % PAGE).as(what).isZero();
            if (x.bufsz() > 0) assertThat(x.buffer()[x.bufsz() - 1]).as("%s: trailing zero", what).isNotZero();
            if (i > 0) assertThat(x.address()).as(what).isGreaterThanOrEqualTo(s.get(i - 1).end());
            for (PhysicalRange res : target.reserved()) {
                long pageStart = res.start() & -PAGE;
                long pageEnd = (res.end() + PAGE - 1) & -PAGE;
                assertThat(x.overlaps(pageStart, pageEnd)).as("%s: %s covers reserved %s", what, x, res).isFalse();
            }
        }
        // the memory the segments load is the ranges' bytes (later ones win), zero elsewhere
        Map<Long, byte[]> pages = new HashMap<>();
        for (MemoryRange r : ranges) {
            for (long a = r.start(); a < r.end(); ) {
                int off = (int) (a & (PAGE - 1));
                int n = (int) Math.min(PAGE - off, r.end() - a);
                System.arraycopy(r.bytes(), (int) (a - r.start()), pages.computeIfAbsent(a - off, k -> new byte[(int) PAGE]), off, n);
                a += n;
            }
        }
        for (Map.Entry<Long, byte[]> p : pages.entrySet()) {
            assertThat(loadedPage(s, p.getKey())).as("%s: page 0x%x", what, p.getKey()).isEqualTo(p.getValue());
        }
        for (Segment x : s) {
            for (long a = x.address(); a < x.end(); a += PAGE) {
                if (!pages.containsKey(a)) assertThat(loadedPage(s, a)).as("%s: gap page 0x%x", what, a).containsOnly(0);
            }
        }
    }

    /** The page at address as the loaded segments give it (zero beyond bufsz); null if no segment covers it. */
    static byte[] loadedPage(List<Segment> segments, long address) {
        for (Segment s : segments) {
            if (address >= s.address() && address < s.end()) {
                int at = (int) (address - s.address());
                // copyOfRange fills with zeros past the buffer's end, as the loader fills past bufsz
                return at >= s.bufsz() ? new byte[(int) PAGE] : Arrays.copyOfRange(s.buffer(), at, at + (int) PAGE);
            }
        }
        return null;
    }

    static List<MemoryRange> randomDisjointRanges(Random rnd, int n) {
        List<MemoryRange> r = new ArrayList<>();
        long cursor = 0x4020_0000L;
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[1 + rnd.nextInt(0x2000)];
            rnd.nextBytes(b);
            r.add(new MemoryRange(cursor, b));
            cursor += b.length + rnd.nextInt(6) * PAGE + rnd.nextInt(0x100);
        }
        return r;
    }

    static byte[] filled(int size, int value) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
