package efikexec.purgatory.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.BundleDoesNotFitException;
import efikexec.purgatory.segment.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class StubPlacementTest {
    static PhysicalRange span(long start, long end) {
        return new PhysicalRange(start, end - start);
    }

    static Segment segment(long start, long end) {
        return new Segment(start, new byte[] {1}, end - start);
    }

    /** QEMU virt with 1 GiB: its own DTB holds the first MiB. */
    static final TargetMemory VIRT = new TargetMemory(List.of(span(0x4000_0000L, 0x8000_0000L)),
            List.of(span(0x4000_0000L, 0x4010_0000L)));

    @Test
    void theStubGoesAtTheFirstFreePlaceAboveTheFirstTwoMegabytesWithItsStackBelow() {
        List<Segment> segments = List.of(segment(0x4020_0000L, 0x4130_0000L), segment(0x4800_0000L, 0x4900_0000L));
        StubPlacement p = StubPlacement.choose(VIRT, segments, 0x1234);
        assertThat(p.address()).isEqualTo(0x4130_4000L);
        assertThat(p.stackBottom()).isEqualTo(0x4130_0000L);
        assertThat(p.size()).isEqualTo(0x1234);
        assertThat(p.end()).isEqualTo(0x4130_6000L);
        assertClear(p, VIRT, segments);
    }

    @Test
    void withNothingInTheWayTheStubIsTwoMegabytesAboveTheStartOfRam() {
        StubPlacement p = StubPlacement.choose(VIRT, List.of(), 0x800);
        assertThat(p.stackBottom()).isEqualTo(0x4020_0000L);
        assertThat(p.address()).isEqualTo(0x4020_4000L);
    }

    @Test
    void aHoleTooSmallForStackAndStubIsPassedOver() {
        // 0x5000 free between the segments; stack + two pages of stub need 0x6000
        List<Segment> segments = List.of(segment(0x4020_0000L, 0x4030_0000L), segment(0x4030_5000L, 0x4040_0000L));
        TargetMemory target = new TargetMemory(VIRT.ram(), List.of(span(0x4000_0000L, 0x4010_0000L),
                span(0x4040_0000L, 0x4040_0001L))); // one reserved byte takes the page after them
        StubPlacement p = StubPlacement.choose(target, segments, 0x1001);
        assertThat(p.stackBottom()).isEqualTo(0x4040_1000L);
        assertClear(p, target, segments);
    }

    @Test
    void whenNothingAboveFitsTheFirstTwoMegabytesAreUsed() {
        TargetMemory small = new TargetMemory(List.of(span(0x4000_0000L, 0x4040_0000L)), VIRT.reserved());
        List<Segment> segments = List.of(segment(0x4020_0000L, 0x4040_0000L));
        StubPlacement p = StubPlacement.choose(small, segments, 0x100);
        assertThat(p.stackBottom()).isEqualTo(0x4010_0000L);
        assertClear(p, small, segments);
    }

    @Test
    void onAPcTheFirstMegabytesAreSkippedAndRamHolesRespected() {
        TargetMemory pc = new TargetMemory(List.of(span(0, 0x9fc00L), span(0x10_0000L, 0x4000_0000L)),
                List.of(span(0x9fc00L, 0xa0000L), span(0xf0000L, 0x10_0000L)));
        List<Segment> segments = List.of(segment(0x100_0000L, 0x300_0000L));
        StubPlacement p = StubPlacement.choose(pc, segments, 0x3000);
        assertThat(p.stackBottom()).isEqualTo(0x20_0000L);
        assertClear(p, pc, segments);
    }

    @Test
    void noRoomAnywhereIsAClearError() {
        TargetMemory tiny = new TargetMemory(List.of(span(0x4000_0000L, 0x4010_8000L)), VIRT.reserved());
        assertThatThrownBy(() -> StubPlacement.choose(tiny, List.of(segment(0x4010_0000L, 0x4010_4000L)), 0x1000))
                .isInstanceOf(BundleDoesNotFitException.class)
                .hasMessage("no room for the handoff stub: it needs 0x5000 bytes (0x1000 of code, a 0x4000-byte stack)"
                        + " of RAM that no segment and no reserved range covers");
    }

    @Test
    void anUnalignedRamStartIsRoundedInwards() {
        TargetMemory odd = new TargetMemory(List.of(span(0x4000_0800L, 0x4100_0000L)), List.of());
        StubPlacement p = StubPlacement.choose(odd, List.of(), 0x10);
        assertThat(p.stackBottom()).isEqualTo(0x4020_1000L); // 0x40001000 + 2 MiB
    }

    /** Stack and stub lie in one RAM range, clear of every segment and every reserved page. */
    static void assertClear(StubPlacement p, TargetMemory target, List<Segment> segments) {
        long start = p.stackBottom();
        long end = p.end();
        assertThat(start % 0x1000).isZero();
        assertThat(target.ram()).anySatisfy(r -> {
            assertThat(r.start()).isLessThanOrEqualTo(start);
            assertThat(r.end()).isGreaterThanOrEqualTo(end);
        });
        for (Segment s : segments) assertThat(s.overlaps(start, end)).as("%s", s).isFalse();
        for (PhysicalRange r : target.reserved()) {
            assertThat(new PhysicalRange(r.start() & -0x1000L, ((r.end() + 0xfff) & -0x1000L) - (r.start() & -0x1000L))
                    .overlaps(new PhysicalRange(start, end - start))).as("%s", r).isFalse();
        }
    }
}
