package efikexec.memmap.alloc;

import static efikexec.memmap.ExpectedDescriptors.free;
import static efikexec.memmap.ExpectedDescriptors.reserved;
import static efikexec.memmap.ExpectedDescriptors.typed;
import static efikexec.memmap.Targets.range;
import static efikexec.model.EfiStatus.INVALID_PARAMETER;
import static efikexec.model.EfiStatus.NOT_FOUND;
import static efikexec.model.EfiStatus.OUT_OF_RESOURCES;
import static efikexec.model.EfiStatus.SUCCESS;
import static efikexec.model.MemoryType.BOOT_SERVICES_DATA;
import static efikexec.model.MemoryType.LOADER_CODE;
import static efikexec.model.MemoryType.LOADER_DATA;
import static efikexec.model.MemoryType.RESERVED;
import static efikexec.model.MemoryType.RUNTIME_SERVICES_CODE;
import static efikexec.model.MemoryType.RUNTIME_SERVICES_DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.memmap.Targets;
import efikexec.memmap.alloc.Placement.Anywhere;
import efikexec.memmap.alloc.Placement.At;
import efikexec.memmap.alloc.Placement.Below;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllocatePagesTest {
    private static final long MIB = 1 << 20;

    @Nested
    class OnVirt1G {
        private final CheckedAllocator a = new CheckedAllocator(Targets.virt1G());

        @Test
        void atFixedAddresses() {
            assertThat(a.allocatePages(SUCCESS, new At(0x4100_0000L), LOADER_CODE, 0x100)).isEqualTo(0x4100_0000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4100_0000L),
                    typed(LOADER_CODE, 0x4100_0000L, 0x4110_0000L),
                    free(0x4110_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));

            a.allocatePages(SUCCESS, new At(0x4110_0000L), LOADER_CODE, 0x10);
            a.allocatePages(SUCCESS, new At(0x40ff_f000L), LOADER_DATA, 1);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x40ff_f000L),
                    typed(LOADER_DATA, 0x40ff_f000L, 0x4100_0000L),
                    typed(LOADER_CODE, 0x4100_0000L, 0x4111_0000L),
                    free(0x4111_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));

            a.allocatePages(NOT_FOUND, new At(0x4100_8000L), LOADER_DATA, 1); // already allocated
            a.allocatePages(NOT_FOUND, new At(0x4110_f000L), LOADER_DATA, 2); // half allocated
            a.allocatePages(NOT_FOUND, new At(0x400f_f000L), LOADER_DATA, 1); // reserved
            a.allocatePages(NOT_FOUND, new At(0x47ff_f000L), LOADER_DATA, 2); // runs into reserved
            a.allocatePages(NOT_FOUND, new At(0x3fff_f000L), LOADER_DATA, 1); // below RAM
            a.allocatePages(NOT_FOUND, new At(0x7fff_f000L), LOADER_DATA, 2); // past the end of RAM
            a.allocatePages(NOT_FOUND, new At(0x4200_0800L), LOADER_DATA, 1); // unaligned: NOT_FOUND as U-Boot

            a.allocatePages(SUCCESS, new At(0x7fff_f000L), LOADER_DATA, 1);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x40ff_f000L),
                    typed(LOADER_DATA, 0x40ff_f000L, 0x4100_0000L),
                    typed(LOADER_CODE, 0x4100_0000L, 0x4111_0000L),
                    free(0x4111_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fff_f000L),
                    typed(LOADER_DATA, 0x7fff_f000L, 0x8000_0000L));
        }

        @Test
        void anywhereTakesTheHighestFreeRangeThatFits() {
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 1)).isEqualTo(0x7fff_f000L);
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), BOOT_SERVICES_DATA, 2)).isEqualTo(0x7fff_d000L);
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 1)).isEqualTo(0x7fff_c000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fff_c000L),
                    typed(LOADER_DATA, 0x7fff_c000L, 0x7fff_d000L),
                    typed(BOOT_SERVICES_DATA, 0x7fff_d000L, 0x7fff_f000L),
                    typed(LOADER_DATA, 0x7fff_f000L, 0x8000_0000L));

            a.freePages(SUCCESS, 0x7fff_d000L, 2);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fff_c000L),
                    typed(LOADER_DATA, 0x7fff_c000L, 0x7fff_d000L),
                    free(0x7fff_d000L, 0x7fff_f000L),
                    typed(LOADER_DATA, 0x7fff_f000L, 0x8000_0000L));

            // The hole is the highest free range that fits two pages; filling it merges all three.
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 2)).isEqualTo(0x7fff_d000L);
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 3)).isEqualTo(0x7fff_9000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fff_9000L),
                    typed(LOADER_DATA, 0x7fff_9000L, 0x8000_0000L));
        }

        @Test
        void anywhereWithA2MiBAlignmentForAKernelCopy() {
            Anywhere twoMiB = new Anywhere(2 * MIB);
            assertThat(a.allocatePages(SUCCESS, twoMiB, LOADER_CODE, 1)).isEqualTo(0x7fe0_0000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fe0_0000L),
                    typed(LOADER_CODE, 0x7fe0_0000L, 0x7fe0_1000L),
                    free(0x7fe0_1000L, 0x8000_0000L));

            // 2 MiB no longer fits aligned above 0x7fe01000, so it goes below and merges upwards.
            assertThat(a.allocatePages(SUCCESS, twoMiB, LOADER_CODE, 0x200)).isEqualTo(0x7fc0_0000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    free(0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x7fc0_0000L),
                    typed(LOADER_CODE, 0x7fc0_0000L, 0x7fe0_1000L),
                    free(0x7fe0_1000L, 0x8000_0000L));

            a.allocatePages(NOT_FOUND, new At(0x7fe0_2000L, 2 * MIB), LOADER_CODE, 1);
            a.allocatePages(SUCCESS, new At(0x7fe0_2000L), LOADER_CODE, 1);
        }

        @Test
        void belowAMaxAddressThatIsInclusive() {
            assertThat(a.allocatePages(SUCCESS, new Below(0x47ff_ffffL), LOADER_DATA, 1)).isEqualTo(0x47ff_f000L);
            // The reserved pages just below the limit are skipped.
            assertThat(a.allocatePages(SUCCESS, new Below(0x4800_2fffL), LOADER_DATA, 1)).isEqualTo(0x47ff_e000L);
            // Last byte exactly at the limit.
            assertThat(a.allocatePages(SUCCESS, new Below(0x4010_1fffL), BOOT_SERVICES_DATA, 2)).isEqualTo(0x4010_0000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    typed(BOOT_SERVICES_DATA, 0x4010_0000L, 0x4010_2000L),
                    free(0x4010_2000L, 0x47ff_e000L),
                    typed(LOADER_DATA, 0x47ff_e000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    free(0x4800_3000L, 0x8000_0000L));

            a.allocatePages(OUT_OF_RESOURCES, new Below(0x4010_2fffL), LOADER_DATA, 2);
            a.allocatePages(OUT_OF_RESOURCES, new Below(0x3fff_ffffL), LOADER_DATA, 1);
            a.allocatePages(OUT_OF_RESOURCES, new Below(0), LOADER_DATA, 1);
            assertThat(a.allocatePages(SUCCESS, new Below(0xffff_ffffL), LOADER_DATA, 1)).isEqualTo(0x7fff_f000L);
            assertThat(a.allocatePages(SUCCESS, new Below(-1L), LOADER_DATA, 1))
                    .as("0xffffffffffffffff is no limit").isEqualTo(0x7fff_e000L);
        }

        @Test
        void runtimeTypesCarryTheRuntimeAttributeAndDoNotMergeWithBootTypes() {
            a.allocatePages(SUCCESS, new Anywhere(), BOOT_SERVICES_DATA, 1);
            a.allocatePages(SUCCESS, new Anywhere(), RUNTIME_SERVICES_DATA, 1);
            a.allocatePages(SUCCESS, new Anywhere(), RUNTIME_SERVICES_CODE, 1);
            List<MemoryDescriptor> top = a.descriptors().subList(4, 7);
            assertThat(top).containsExactly(
                    typed(RUNTIME_SERVICES_CODE, 0x7fff_d000L, 0x7fff_e000L),
                    typed(RUNTIME_SERVICES_DATA, 0x7fff_e000L, 0x7fff_f000L),
                    typed(BOOT_SERVICES_DATA, 0x7fff_f000L, 0x8000_0000L));
            assertThat(top).extracting(MemoryDescriptor::attribute)
                    .containsExactly(0x8000_0000_0000_000fL, 0x8000_0000_0000_000fL, 0xfL);
        }

        @ParameterizedTest(name = "type 0x{0}")
        @ValueSource(ints = {7, 8, 14, 15, 16, 0x6fff_ffff})
        void typesThatMayNotBeAllocatedAreInvalidParameters(int type) {
            a.allocatePages(INVALID_PARAMETER, new Anywhere(), type, 1);
            a.allocatePages(INVALID_PARAMETER, new Below(0xffff_ffffL), type, 1);
            a.allocatePages(INVALID_PARAMETER, new At(0x5000_0000L), type, 1);
        }

        @ParameterizedTest(name = "type {0}")
        @ValueSource(ints = {0x7000_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff})
        void oemAndOsTypesAreRecordedWithTheirRawValue(int type) {
            long addr = a.allocatePages(SUCCESS, new At(0x5000_0000L), type, 2);
            MemoryDescriptor d = a.map.find(addr);
            assertThat(d).isEqualTo(typed(type, 0x5000_0000L, 0x5000_2000L));
            assertThat(d.type()).as("no MemoryType for an OEM/OS value").isNull();
            assertThat(d.attribute()).isEqualTo(0xfL);
            a.freePages(SUCCESS, addr, 2);
            assertThat(a.descriptors()).isEqualTo(new CheckedAllocator(Targets.virt1G()).descriptors());
        }

        @Test
        void zeroPagesIsAnInvalidParameter() {
            a.allocatePages(INVALID_PARAMETER, new Anywhere(), LOADER_DATA, 0);
            a.allocatePages(INVALID_PARAMETER, new At(0x5000_0000L), LOADER_DATA, 0);
        }

        @Test
        void pageCountsTooLargeForMemoryDoNotFit() {
            a.allocatePages(OUT_OF_RESOURCES, new Anywhere(), LOADER_DATA, 0x4_0001); // 1 GiB + 1 page
            a.allocatePages(OUT_OF_RESOURCES, new Anywhere(), LOADER_DATA, 1L << 52);
            a.allocatePages(OUT_OF_RESOURCES, new Below(-1L), LOADER_DATA, -1L); // the guest's UINTN max
            a.allocatePages(NOT_FOUND, new At(0x4010_0000L), LOADER_DATA, -1L);
            a.allocatePages(NOT_FOUND, new At(0x4010_0000L), LOADER_DATA, 1L << 51);
        }

        @Test
        void reservedTypeAllocationsArePermanent() {
            long addr = a.allocatePages(SUCCESS, new At(0x5000_0000L), RESERVED, 1);
            assertThat(a.map.find(addr)).isEqualTo(reserved(0x5000_0000L, 0x5000_1000L));
            // The map cannot tell it from the target's reserved ranges, which must never be freed.
            a.freePages(NOT_FOUND, addr, 1);
        }

        @Test
        void exhaustingMemoryNeverHandsOutReservedPages() {
            List<PhysicalRange> got = exhaust(a, 0x4000);
            assertThat(got).noneMatch(r -> r.overlaps(Targets.range(0x4000_0000L, 0x4010_0000L)))
                    .noneMatch(r -> r.overlaps(Targets.range(0x4800_0000L, 0x4800_3000L)));
            assertThat(got.stream().mapToLong(PhysicalRange::size).sum()).isEqualTo(0x4000_0000L - 0x10_0000L - 0x3000L);
            assertThat(a.descriptors()).containsExactly(
                    reserved(0x4000_0000L, 0x4010_0000L),
                    typed(LOADER_DATA, 0x4010_0000L, 0x4800_0000L),
                    reserved(0x4800_0000L, 0x4800_3000L),
                    typed(LOADER_DATA, 0x4800_3000L, 0x8000_0000L));
        }
    }

    @Nested
    class OnTwoBanks {
        private final CheckedAllocator a = new CheckedAllocator(Targets.twoBanks());

        @Test
        void fillsTheHighBankFirstThenTheLowOneButNeverPageZero() {
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 1)).isEqualTo(0x3fef_f000L);
            a.allocatePages(NOT_FOUND, new At(0x9e000L), LOADER_DATA, 0x63); // across the hole
            assertThat(a.allocatePages(SUCCESS, new Below(0xf_ffffL), BOOT_SERVICES_DATA, 4)).isEqualTo(0x9b000L);
            a.allocatePages(NOT_FOUND, new At(0), LOADER_DATA, 1); // page 0 is RAM, but never handed out
            a.allocatePages(NOT_FOUND, new At(0x9f000L), LOADER_DATA, 1); // rounded-off partial page
            a.allocatePages(NOT_FOUND, new At(0xf0000L), LOADER_DATA, 1); // BIOS area: reserved, not RAM
            assertThat(a.allocatePages(SUCCESS, new At(0x1000), LOADER_DATA, 1)).isEqualTo(0x1000);
            assertThat(a.descriptors()).containsExactly(
                    free(0, 0x1000),
                    typed(LOADER_DATA, 0x1000, 0x2000),
                    free(0x2000, 0x9b000L),
                    typed(BOOT_SERVICES_DATA, 0x9b000L, 0x9f000L),
                    reserved(0x9f000L, 0xa0000L),
                    reserved(0xf0000L, 0x10_0000L),
                    free(0x10_0000L, 0x3fef_f000L),
                    typed(LOADER_DATA, 0x3fef_f000L, 0x3ff0_0000L),
                    reserved(0x3ff0_0000L, 0x4000_0000L));

            // Exactly the rest of the high bank.
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 0x3fdff)).isEqualTo(0x10_0000L);
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 1)).isEqualTo(0x9a000L);
            assertThat(a.allocatePages(SUCCESS, new Anywhere(), LOADER_DATA, 0x98)).isEqualTo(0x2000L);
            a.allocatePages(OUT_OF_RESOURCES, new Anywhere(), LOADER_DATA, 1);
            a.allocatePages(OUT_OF_RESOURCES, new Below(0x1fff), LOADER_DATA, 1);
            assertThat(a.descriptors()).containsExactly(
                    free(0, 0x1000),
                    typed(LOADER_DATA, 0x1000, 0x9b000L),
                    typed(BOOT_SERVICES_DATA, 0x9b000L, 0x9f000L),
                    reserved(0x9f000L, 0xa0000L),
                    reserved(0xf0000L, 0x10_0000L),
                    typed(LOADER_DATA, 0x10_0000L, 0x3ff0_0000L),
                    reserved(0x3ff0_0000L, 0x4000_0000L));
        }
    }

    @Test
    void exhaustingASmallTargetWithMixedSizesLeavesOnlyPageZeroAndTheReservedPages() {
        TargetMemory small = new TargetMemory(
                List.of(range(0, 0x20_0000L)),
                List.of(range(0x3_0000L, 0x3_1000L), range(0x10_0800L, 0x10_1800L), range(0x1f_f000L, 0x20_0000L)));
        CheckedAllocator a = new CheckedAllocator(small);
        List<PhysicalRange> got = new ArrayList<>();
        long[] sizes = {7, 1, 3};
        for (int i = 0; ; i++) {
            long n = sizes[i % sizes.length];
            AllocationResult r = a.pages.allocatePages(new Anywhere(), i % 2 == 0 ? LOADER_DATA : BOOT_SERVICES_DATA, n);
            if (!r.isSuccess()) {
                assertThat(r.status()).as("the end of memory should be OUT_OF_RESOURCES").isEqualTo(OUT_OF_RESOURCES);
                break;
            }
            efikexec.memmap.MapInvariants.assertValid(a.map);
            got.add(new PhysicalRange(r.address(), n << 12));
        }
        got.addAll(exhaust(a, 1));
        List<PhysicalRange> reservedRanges = List.of(
                range(0x3_0000L, 0x3_1000L), range(0x10_0000L, 0x10_2000L), range(0x1f_f000L, 0x20_0000L), range(0, 0x1000));
        for (PhysicalRange r : got) {
            assertThat(reservedRanges).as("allocation %s must not touch page 0 or a reserved page", r)
                    .noneMatch(r::overlaps);
        }
        long freePages = 0x200 - 1 - 2 - 1;
        assertThat(got.stream().mapToLong(PhysicalRange::size).sum()).isEqualTo((freePages - 1) << 12);
        assertThat(a.descriptors()).filteredOn(d -> d.type() == efikexec.model.MemoryType.CONVENTIONAL)
                .containsExactly(free(0, 0x1000));
    }

    @Test
    void placementsRefuseAlignmentsThatAreNotPowersOfTwoOfAtLeastAPage() {
        assertThatThrownBy(() -> new Anywhere(0x800)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Below(0xffff_ffffL, 0x3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new At(0x1000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new At(0x1000).alignment()).isEqualTo(4096);
    }

    /** Allocates {@code chunk} pages until memory runs out, then single pages; all LOADER_DATA. */
    private static List<PhysicalRange> exhaust(CheckedAllocator a, long chunk) {
        List<PhysicalRange> got = new ArrayList<>();
        for (long n : new long[] {chunk, 1}) {
            while (true) {
                AllocationResult r = a.pages.allocatePages(new Anywhere(), LOADER_DATA, n);
                efikexec.memmap.MapInvariants.assertValid(a.map);
                if (!r.isSuccess()) {
                    assertThat(r.status()).as("running out of memory should return OUT_OF_RESOURCES").isEqualTo(OUT_OF_RESOURCES);
                    break;
                }
                assertThat(r.address()).as("never address 0").isNotZero();
                got.add(new PhysicalRange(r.address(), n << 12));
            }
        }
        return got;
    }
}
