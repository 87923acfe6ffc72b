package efikexec.memmap;

import static efikexec.memmap.ExpectedDescriptors.free;
import static efikexec.memmap.ExpectedDescriptors.reserved;
import static efikexec.memmap.ExpectedDescriptors.typed;
import static efikexec.memmap.Targets.range;
import static efikexec.model.MemoryType.BOOT_SERVICES_DATA;
import static efikexec.model.MemoryType.CONVENTIONAL;
import static efikexec.model.MemoryType.LOADER_DATA;
import static efikexec.model.MemoryType.RUNTIME_SERVICES_CODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class MemoryMapTest {

    @Nested
    class FromTarget {
        @Test
        void reservedRangesInsideRamBecomeReservedDescriptorsRoundedOutwards() {
            MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));
            assertThat(map.descriptors().get(1).attribute()).isEqualTo(0xfL);
            assertThat(map.mapKey()).isZero();
        }

        @Test
        void ramIsRoundedInwardsAndReservedRangesOutsideRamAreReservedDescriptors() {
            MemoryMap map = MemoryMap.fromTarget(Targets.twoBanks());
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    free(0, 0x9f000L),
                    reserved(0x9f000L, 0xa0000L), // [0x9fc00, 0xa0000) rounded outwards
                    reserved(0xf0000L, 0x10_0000L),
                    free(0x10_0000L, 0x3ff0_0000L),
                    reserved(0x3ff0_0000L, 0x4000_0000L));
        }

        @Test
        void reservedRangeStraddlingTheEdgeOfRamIsReservedInsideAndOutside() {
            MemoryMap map = MemoryMap.fromTarget(new TargetMemory(
                    List.of(range(0x1000_0000L, 0x1100_0000L)),
                    List.of(range(0x0ff0_0000L, 0x1000_1800L), range(0x10ff_f000L, 0x1200_0000L))));
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    reserved(0x0ff0_0000L, 0x1000_2000L),
                    free(0x1000_2000L, 0x10ff_f000L),
                    reserved(0x10ff_f000L, 0x1200_0000L));
        }

        @Test
        void touchingAndOverlappingRamRangesAreJoinedBeforeRounding() {
            // Rounded one by one, [0x1000,0x2800) and [0x2800,0x5000) would lose page 0x2000.
            MemoryMap map = MemoryMap.fromTarget(new TargetMemory(
                    List.of(range(0x2800, 0x5000), range(0x1000, 0x2800), range(0x8000, 0xa000), range(0x9000, 0xc000)),
                    List.of()));
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(free(0x1000, 0x5000), free(0x8000, 0xc000));
        }

        @Test
        void adjacentReservedRangesBecomeOneDescriptor() {
            MemoryMap map = MemoryMap.fromTarget(new TargetMemory(
                    List.of(range(0x10_0000L, 0x20_0000L)),
                    List.of(range(0x11_0000L, 0x11_2000L), range(0x11_2000L, 0x11_3000L))));
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    free(0x10_0000L, 0x11_0000L), reserved(0x11_0000L, 0x11_3000L), free(0x11_3000L, 0x20_0000L));
        }

        @Test
        void ramSmallerThanAPageAfterRoundingIsDropped() {
            MemoryMap map = MemoryMap.fromTarget(new TargetMemory(List.of(range(0x1800, 0x2800)), List.of()));
            assertThat(map.descriptors()).isEmpty();
        }

        @Test
        void ramAtOrAbove2To63IsRefused() {
            TargetMemory high = new TargetMemory(List.of(new PhysicalRange(0x8000_0000_0000_0000L, 0x1000)), List.of());
            assertThatThrownBy(() -> MemoryMap.fromTarget(high)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Convert {
        private final MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
        private final List<MemoryDescriptor> initial = map.descriptors();

        @Test
        void splitsRetypesAndMergesBack() {
            map.convert(0x4100_0000L, 16, LOADER_DATA);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4100_0000L),
                    typed(LOADER_DATA, 0x4100_0000L, 0x4101_0000L),
                    free(0x4101_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));
            assertThat(map.mapKey()).isEqualTo(1);

            map.convert(0x4101_0000L, 16, LOADER_DATA);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).contains(typed(LOADER_DATA, 0x4100_0000L, 0x4102_0000L));
            assertThat(map.mapKey()).isEqualTo(2);

            map.convert(0x4100_0000L, 32, CONVENTIONAL);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).isEqualTo(initial);
            assertThat(map.mapKey()).isEqualTo(3);
        }

        @Test
        void mayRetypeAcrossDescriptorsOfDifferentTypes() {
            map.convert(0x400f_f000L, 2, BOOT_SERVICES_DATA);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x400f_f000L),
                    typed(BOOT_SERVICES_DATA, 0x400f_f000L, 0x4010_1000L),
                    free(0x4010_1000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));
        }

        @Test
        void runtimeTypesCarryTheRuntimeAttribute() {
            map.convert(0x5000_0000L, 1, RUNTIME_SERVICES_CODE);
            MapInvariants.assertValid(map);
            MemoryDescriptor d = map.find(0x5000_0000L);
            assertThat(d.type()).isEqualTo(RUNTIME_SERVICES_CODE);
            assertThat(d.attribute()).isEqualTo(0x8000_0000_0000_000fL);
        }

        @Test
        void keepsOsTypeValuesAsTheyAre() {
            map.convert(0x5000_0000L, 1, 0x8000_0001);
            MapInvariants.assertValid(map);
            MemoryDescriptor d = map.find(0x5000_0000L);
            assertThat(d.typeValue()).isEqualTo(0x8000_0001);
            assertThat(d.type()).isNull();
            assertThat(d.typeName()).isEqualTo("OS 0x80000001");
        }

        @Test
        void aConversionThatChangesNothingKeepsTheKey() {
            map.convert(0x5000_0000L, 4, CONVENTIONAL);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).isEqualTo(initial);
            assertThat(map.mapKey()).as("no change, so no new key").isZero();
        }

        @Test
        void refusesRangesThatAreNotEntirelyRamAndLeavesTheMapAlone() {
            assertThatThrownBy(() -> map.convert(0x3fff_f000L, 1, LOADER_DATA))
                    .as("below RAM").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x7fff_f000L, 2, LOADER_DATA))
                    .as("past the end of RAM").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x1000, 1, LOADER_DATA))
                    .as("far outside RAM").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x4100_0800L, 1, LOADER_DATA))
                    .as("unaligned").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x4100_0000L, 0, LOADER_DATA))
                    .as("empty").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x4100_0000L, 1, 15))
                    .as("undefined type").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> map.convert(0x4100_0000L, Long.MAX_VALUE, LOADER_DATA))
                    .as("overflowing").isInstanceOf(IllegalArgumentException.class);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).isEqualTo(initial);
            assertThat(map.mapKey()).isZero();
        }

        @Test
        void refusesRangesOverTheHoleBetweenBanks() {
            MemoryMap twoBanks = MemoryMap.fromTarget(Targets.twoBanks());
            List<MemoryDescriptor> before = twoBanks.descriptors();
            assertThatThrownBy(() -> twoBanks.convert(0x9e000L, 0x63, LOADER_DATA))
                    .isInstanceOf(IllegalArgumentException.class);
            MapInvariants.assertValid(twoBanks);
            assertThat(twoBanks.descriptors()).isEqualTo(before);
            assertThat(twoBanks.mapKey()).isZero();
        }
    }

    @Test
    void readsDoNotChangeTheKey() {
        MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
        map.convert(0x5000_0000L, 1, LOADER_DATA);
        long key = map.mapKey();
        map.descriptors();
        map.find(0x5000_0000L);
        map.encode(MemoryMap.DESCRIPTOR_SIZE);
        map.snapshot(0);
        map.snapshot(4096);
        map.covers(0x5000_0000L, 1);
        map.overlapping(0x4000_0000L, 0x1000);
        assertThat(map.mapKey()).isEqualTo(key);
    }

    @Test
    void descriptorsIsAnImmutableCopy() {
        MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
        List<MemoryDescriptor> before = map.descriptors();
        assertThatThrownBy(() -> before.clear()).isInstanceOf(UnsupportedOperationException.class);
        map.convert(0x5000_0000L, 1, LOADER_DATA);
        assertThat(before).hasSize(4).doesNotContain(typed(LOADER_DATA, 0x5000_0000L, 0x5000_1000L));
    }

    @Test
    void findReturnsTheDescriptorHoldingTheAddressOrNull() {
        MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
        assertThat(map.find(0x4800_1234L)).isEqualTo(reserved(0x4800_0000L, 0x4800_3000L));
        assertThat(map.find(0x7fff_ffffL)).isEqualTo(free(0x4800_3000L, 0x8000_0000L));
        assertThat(map.find(0x4800_3000L)).isEqualTo(free(0x4800_3000L, 0x8000_0000L));
        assertThat(map.find(0x8000_0000L)).as("end is exclusive").isNull();
        assertThat(map.find(0x3fff_ffffL)).as("below RAM").isNull();
    }
}
