package efikexec.memmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** The shape UEFI asks of every memory map, checked after every operation in every test. */
public final class MapInvariants {
    private MapInvariants() {}

    /** Sorted, page aligned, non-empty, disjoint, merged, and attributes as the type demands. */
    public static void assertValid(MemoryMap map) {
        List<MemoryDescriptor> ds = map.descriptors();
        for (int i = 0; i < ds.size(); i++) {
            MemoryDescriptor d = ds.get(i);
            assertThat(d.physicalStart() % MemoryMap.PAGE_SIZE).as("descriptor %d %s should be page aligned\n%s", i, d, map).isZero();
            assertThat(d.physicalStart()).as("descriptor %d %s should start at a non-negative address", i, d).isNotNegative();
            assertThat(d.numberOfPages()).as("descriptor %d %s should hold at least one page\n%s", i, d, map).isPositive();
            assertThat(d.end()).as("descriptor %d %s should not wrap", i, d).isGreaterThan(d.physicalStart());
            assertThat(d.attribute()).as("descriptor %d %s should carry the attribute of its type", i, d)
                    .isEqualTo(MemoryAttributes.forType(d.typeValue()));
            if (i == 0) continue;
            MemoryDescriptor prev = ds.get(i - 1);
            assertThat(prev.end()).as("descriptors %d and %d should be sorted and disjoint\n%s", i - 1, i, map)
                    .isLessThanOrEqualTo(d.physicalStart());
            boolean mergeable = prev.end() == d.physicalStart() && prev.typeValue() == d.typeValue()
                    && prev.attribute() == d.attribute();
            assertThat(mergeable).as("descriptors %d and %d should have been merged\n%s", i - 1, i, map).isFalse();
        }
    }
}
