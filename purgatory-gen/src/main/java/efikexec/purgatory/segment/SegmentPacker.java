package efikexec.purgatory.segment;

import static efikexec.purgatory.segment.TargetPages.alignDown;
import static efikexec.purgatory.segment.TargetPages.alignUp;

import efikexec.memmap.MemoryMap;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.BundleDoesNotFitException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Packs the snapshot's memory into at most {@code limit} kexec segments.
 *
 * <ol>
 * <li>Each range is widened to whole pages (start rounded down, end up): kexec and QEMU load
 *     pages. Bytes of a page that no range gives are zero.
 * <li>Ranges that overlap or touch become one segment. Where ranges overlap, the one later in
 *     the input wins (the snapshot's ranges come from one memory map and do not overlap; they
 *     may share a page when they are not page aligned, and then each keeps its own bytes).
 * <li>While there are more than {@code limit}, the two segments around the smallest gap are
 *     joined (ties: the lower gap), and the gap becomes zeros in the joined segment. That
 *     <em>writes zeros over memory that was free</em> in the snapshot's memory map: harmless to
 *     the kernel, which takes free memory as having no contents, but memory written all the
 *     same, and bytes in the bundle file. A gap is never covered when a reserved range of the
 *     target touches it (reserved memory is not ours to write, and QEMU refuses a loader image
 *     over its own DTB) or when any of it is not RAM (a hole between RAM banks may be MMIO or
 *     nothing at all; kexec-tools refuses segments outside System RAM). Joining across the
 *     smallest gaps first writes the fewest such zeros.
 * <li>Each segment stores only its non-zero prefix: trailing zero bytes are dropped from the
 *     buffer and left to memsz, which the loader zero-fills.
 * <li>While there are fewer than {@code limit} segments, the longest run of at least
 *     {@link #MIN_ZERO_RUN} whole zero pages inside a buffer (ties: the lower one) splits its
 *     segment in two: the first part ends with the run as its zero fill, the second starts after
 *     it. The memory is the same; the run is no longer stored, and the stub checks it by reading
 *     zeros instead of hashing it (a decompressed x86 kernel is about half zero pages: BSS, the
 *     alignment between its sections, the decompressor's leftovers).
 * </ol>
 *
 * <p>Deterministic: the result depends only on the ranges (and their order where they
 * overlap), the target and the limit.
 */
public final class SegmentPacker {
    /** kexec_load(2)'s KEXEC_SEGMENT_MAX. */
    public static final int KEXEC_SEGMENT_MAX = 16;
    /** A Java array's practical maximum; a segment's buffer is one array. */
    private static final long MAX_BUFFER = Integer.MAX_VALUE - 8;
    private static final long PAGE = MemoryMap.PAGE_SIZE;
    /** A zero run shorter than this is not worth a segment: 64 KiB. */
    public static final long MIN_ZERO_RUN = 16 * PAGE;

    private SegmentPacker() {
    }

    /**
     * @param ranges the snapshot's memory; empty ranges are ignored
     * @param target the target's RAM (gaps outside it are never covered) and reserved ranges
     *     (never inside a segment)
     * @param limit at most this many segments
     * @return the segments in address order, not overlapping
     * @throws TooManySegmentsException if the ranges cannot be packed into {@code limit}
     * @throws BundleDoesNotFitException if a range lies in a reserved range of the target
     */
    public static List<Segment> pack(List<MemoryRange> ranges, TargetMemory target, int limit) {
        if (limit < 1) throw new IllegalArgumentException("segment limit " + limit);
        TargetPages pages = TargetPages.of(target);

        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            MemoryRange r = ranges.get(i);
            if (r.bytes().length == 0) continue;
            if (r.end() > Long.MAX_VALUE - PAGE) {
                throw new IllegalArgumentException("snapshot memory " + r + " reaches the top of the address space");
            }
            Span s = new Span(alignDown(r.start()), alignUp(r.end()));
            PhysicalRange res = pages.reservedIn(s.start, s.end);
            if (res != null) {
                throw new BundleDoesNotFitException(String.format(
                        "snapshot memory %s lies in the target's reserved range %s", r, res));
            }
            spans.add(s);
        }
        spans.sort(Comparator.comparingLong(Span::start));

        List<Span> blocks = new ArrayList<>();
        for (Span s : spans) {
            Span last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
            if (last != null && s.start <= last.end) {
                blocks.set(blocks.size() - 1, new Span(last.start, Math.max(last.end, s.end)));
            } else {
                blocks.add(s);
            }
        }

        boolean[] bridged = chooseBridges(blocks, pages, limit);
        List<Span> groups = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (i > 0 && bridged[i - 1]) {
                Span last = groups.remove(groups.size() - 1);
                groups.add(new Span(last.start, blocks.get(i).end));
            } else {
                groups.add(blocks.get(i));
            }
        }
        return splitAtZeroRuns(fill(groups, ranges), limit);
    }

    /** Step 5: the longest zero-page runs become the zero fill of the segments they end. */
    private static List<Segment> splitAtZeroRuns(List<Segment> segments, int limit) {
        List<ZeroRun> runs = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            byte[] b = segments.get(i).buffer();
            long runStart = -1;
            for (long page = 0; page + PAGE <= b.length; page += PAGE) {
                boolean zero = isZero(b, (int) page, (int) PAGE);
                if (zero && runStart < 0) runStart = page;
                if (!zero && runStart >= 0) {
                    if (page - runStart >= MIN_ZERO_RUN) runs.add(new ZeroRun(i, runStart, page));
                    runStart = -1;
                }
            }
            // a run up to the buffer's end cannot be: the buffer ends with a non-zero byte
        }
        runs.sort(Comparator.comparingLong((ZeroRun r) -> r.start - r.end)
                .thenComparingLong(r -> segments.get(r.segment).address() + r.start));
        List<ZeroRun> chosen = new ArrayList<>(runs.subList(0, Math.max(0, Math.min(runs.size(), limit - segments.size()))));
        if (chosen.isEmpty()) return segments;
        chosen.sort(Comparator.comparingInt(ZeroRun::segment).thenComparingLong(ZeroRun::start));
        List<Segment> out = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            long from = 0;
            for (; k < chosen.size() && chosen.get(k).segment == i; k++) {
                ZeroRun r = chosen.get(k);
                byte[] part = Arrays.copyOfRange(s.buffer(), (int) from, (int) r.start);
                out.add(new Segment(s.address() + from, Arrays.copyOf(part, nonZeroPrefix(part)), r.end - from));
                from = r.end;
            }
            if (from == 0) {
                out.add(s);
            } else {
                out.add(new Segment(s.address() + from, Arrays.copyOfRange(s.buffer(), (int) from, s.bufsz()),
                        s.memsz() - from));
            }
        }
        return List.copyOf(out);
    }

    private static final byte[] ZERO_PAGE = new byte[(int) PAGE];

    private static boolean isZero(byte[] b, int from, int length) {
        return Arrays.mismatch(b, from, from + length, ZERO_PAGE, 0, length) < 0;
    }

    /** Whole zero pages [start, end) of segment {@code segment}'s buffer, offsets from its address. */
    private record ZeroRun(int segment, long start, long end) {
    }

    /**
     * bridged[i] says the gap between blocks i and i + 1 is covered. Covering one gap never
     * changes another's size, so taking the smallest coverable gaps first is optimal for both
     * the segment count and the zeros written.
     */
    private static boolean[] chooseBridges(List<Span> blocks, TargetPages pages, int limit) {
        boolean[] bridged = new boolean[Math.max(0, blocks.size() - 1)];
        int excess = blocks.size() - limit;
        if (excess <= 0) return bridged;
        List<Integer> coverable = new ArrayList<>();
        for (int i = 0; i + 1 < blocks.size(); i++) {
            long gapStart = blocks.get(i).end;
            long gapEnd = blocks.get(i + 1).start;
            if (pages.isRam(gapStart, gapEnd) && pages.reservedIn(gapStart, gapEnd) == null) coverable.add(i);
        }
        if (coverable.size() < excess) {
            throw new TooManySegmentsException(blocks.size() - coverable.size(), limit);
        }
        coverable.sort(Comparator.<Integer>comparingLong(i -> blocks.get(i + 1).start - blocks.get(i).end)
                .thenComparingInt(i -> i));
        for (int k = 0; k < excess; k++) bridged[coverable.get(k)] = true;
        return bridged;
    }

    /** Builds each group's buffer: ranges copied in input order, trailing zeros left out. */
    private static List<Segment> fill(List<Span> groups, List<MemoryRange> ranges) {
        long[] starts = groups.stream().mapToLong(Span::start).toArray();
        // how far each group's data reaches: the last non-zero byte of any range in it
        long[] dataEnd = starts.clone();
        int[] groupOf = new int[ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            MemoryRange r = ranges.get(i);
            if (r.bytes().length == 0) continue;
            int g = Arrays.binarySearch(starts, alignDown(r.start()));
            groupOf[i] = g >= 0 ? g : -g - 2;
            int n = nonZeroPrefix(r.bytes());
            if (n > 0) dataEnd[groupOf[i]] = Math.max(dataEnd[groupOf[i]], r.start() + n);
        }
        byte[][] buffers = new byte[groups.size()][];
        for (int g = 0; g < groups.size(); g++) {
            long size = dataEnd[g] - starts[g];
            if (size > MAX_BUFFER) {
                throw new BundleDoesNotFitException(String.format(
                        "a segment at 0x%x would store 0x%x bytes; one segment holds at most 0x%x",
                        starts[g], size, MAX_BUFFER));
            }
            buffers[g] = new byte[(int) size];
        }
        for (int i = 0; i < ranges.size(); i++) {
            MemoryRange r = ranges.get(i);
            if (r.bytes().length == 0) continue;
            byte[] buf = buffers[groupOf[i]];
            long at = r.start() - starts[groupOf[i]];
            if (at < buf.length) {
                System.arraycopy(r.bytes(), 0, buf, (int) at, (int) Math.min(r.bytes().length, buf.length - at));
            }
        }
        List<Segment> out = new ArrayList<>(groups.size());
        for (int g = 0; g < groups.size(); g++) {
            byte[] buf = buffers[g];
            // a later range's zeros over an earlier range's tail can leave zeros at the end
            int n = nonZeroPrefix(buf);
            if (n < buf.length) buf = Arrays.copyOf(buf, n);
            out.add(new Segment(starts[g], buf, groups.get(g).end - starts[g]));
        }
        return List.copyOf(out);
    }

    private static int nonZeroPrefix(byte[] b) {
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) n--;
        return n;
    }

    /** [start, end) of whole pages. */
    private record Span(long start, long end) {
    }
}
