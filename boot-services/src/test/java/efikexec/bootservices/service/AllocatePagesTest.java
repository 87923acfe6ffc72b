package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.memmap.MemoryDescriptor;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import org.junit.jupiter.api.Test;

/** gBS->AllocatePages (UEFI 2.10, 7.2), as efi_selftest_memory.c drives it. */
class AllocatePagesTest {
    static final int ANY_PAGES = 0, MAX_ADDRESS = 1, ADDRESS = 2, MAX_ALLOCATE_TYPE = 3;
    static final long PAGE = 4096;

    final Payload p = Payload.start();

    @Test
    void anyPagesGivesAlignedFreeRamOfTheAskedType() {
        long out = p.cell();
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), 3, out))
                .as("AllocatePages(AllocateAnyPages) did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long a = p.u64(out);
        assertThat(a % PAGE).as("allocation not page aligned").isZero();
        assertThat(a).isBetween(Payload.RAM_BASE, Payload.RAM_BASE + Payload.RAM_SIZE - 3 * PAGE);
        MemoryDescriptor d = p.memoryMap().holding(a);
        assertThat(d.type()).as("the map does not show the pages as EfiLoaderData").isEqualTo(MemoryType.LOADER_DATA);
        assertThat(d.end()).isGreaterThanOrEqualTo(a + 3 * PAGE);
        p.mem.fill(a, 3 * PAGE, 0x5a); // the memory is there to use
    }

    @Test
    void twoAllocationsDoNotOverlap() {
        long o1 = p.cell(), o2 = p.cell();
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), 4, o1)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_CODE.value(), 4, o2)).isEqualTo(EfiStatus.SUCCESS);
        long a = p.u64(o1), b = p.u64(o2);
        assertThat(a + 4 * PAGE <= b || b + 4 * PAGE <= a).as("allocations 0x%x and 0x%x overlap", a, b).isTrue();
    }

    @Test
    void maxAddressStaysAtOrBelowTheLimit() {
        long limit = Payload.RAM_BASE + 0x20_0000L - 1; // inclusive: the last usable byte
        long out = p.cell(limit);
        assertThat(p.boot("AllocatePages", MAX_ADDRESS, MemoryType.LOADER_DATA.value(), 2, out))
                .as("AllocatePages(AllocateMaxAddress) did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long a = p.u64(out);
        assertThat(a + 2 * PAGE - 1).as("allocation 0x%x ends above MaxAddress 0x%x", a, limit).isLessThanOrEqualTo(limit);
        assertThat(a).isGreaterThanOrEqualTo(Payload.RAM_BASE);
    }

    @Test
    void maxAddressBelowAllRamIsOutOfResources() {
        long out = p.cell(0xfffff);
        assertThat(p.boot("AllocatePages", MAX_ADDRESS, MemoryType.LOADER_DATA.value(), 1, out))
                .as("AllocatePages(AllocateMaxAddress) below RAM did not return EFI_OUT_OF_RESOURCES")
                .isEqualTo(EfiStatus.OUT_OF_RESOURCES);
        assertThat(p.u64(out)).as("a failed call changed *Memory").isEqualTo(0xfffff);
    }

    @Test
    void addressGivesExactlyThatAddress() {
        long want = Payload.RAM_BASE + 0x30_0000L;
        long out = p.cell(want);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_CODE.value(), 5, out))
                .as("AllocatePages(AllocateAddress) of free RAM did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.u64(out)).isEqualTo(want);
        assertThat(p.memoryMap().holding(want).type()).isEqualTo(MemoryType.LOADER_CODE);
    }

    @Test
    void addressOfAllocatedOrReservedOrMissingMemoryIsNotFound() {
        long want = Payload.RAM_BASE + 0x30_0000L;
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(want))).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(want)))
                .as("AllocatePages(AllocateAddress) of allocated pages did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(Payload.RESERVED.start())))
                .as("AllocatePages(AllocateAddress) of reserved memory did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(0x1000)))
                .as("AllocatePages(AllocateAddress) outside RAM did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(Payload.RAM_BASE + 0x40_0010L)))
                .as("AllocatePages(AllocateAddress) unaligned did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        long image = p.image.base();
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_DATA.value(), 1, p.cell(image)))
                .as("AllocatePages(AllocateAddress) over the loaded image did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void badAllocateTypeIsInvalidParameter() {
        long key = p.mapKey();
        long out = p.cell(0x1234);
        assertThat(p.boot("AllocatePages", MAX_ALLOCATE_TYPE, MemoryType.LOADER_DATA.value(), 1, out))
                .as("AllocatePages with type MaxAllocateType did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.u64(out)).isEqualTo(0x1234);
        assertThat(p.mapKey()).as("a failed AllocatePages changed the MapKey").isEqualTo(key);
    }

    @Test
    void badMemoryTypeIsInvalidParameter() {
        for (long type : new long[] {MemoryType.CONVENTIONAL.value(), MemoryType.PERSISTENT.value(), 0x20, 0x6fffffffL,
            0x1_0000_0000L}) {
            assertThat(p.boot("AllocatePages", ANY_PAGES, type, 1, p.cell()))
                    .as("AllocatePages of memory type 0x%x did not return EFI_INVALID_PARAMETER", type)
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Test
    void oemAndOsTypesReachTheMapUnchanged() {
        long out = p.cell();
        assertThat(p.boot("AllocatePages", ANY_PAGES, 0x80000001L, 1, out))
                .as("AllocatePages of an OS memory type did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(Integer.toUnsignedLong(p.memoryMap().holding(p.u64(out)).typeValue())).isEqualTo(0x80000001L);
    }

    @Test
    void nullMemoryOrZeroPagesIsInvalidParameter() {
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), 1, 0))
                .as("AllocatePages with Memory NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), 0, p.cell()))
                .as("AllocatePages of 0 pages did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void moreThanTheRamIsOutOfResources() {
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), Payload.RAM_SIZE / PAGE, p.cell()))
                .as("AllocatePages of all RAM did not return EFI_OUT_OF_RESOURCES").isEqualTo(EfiStatus.OUT_OF_RESOURCES);
    }

    @Test
    void mapKeyChangesWithEveryAllocation() {
        long k0 = p.mapKey();
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), 1, p.cell())).isEqualTo(EfiStatus.SUCCESS);
        long k1 = p.mapKey();
        assertThat(k1).as("AllocatePages did not change the MapKey").isNotEqualTo(k0);
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.BOOT_SERVICES_DATA.value(), 1, p.cell())).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.mapKey()).as("a second AllocatePages did not change the MapKey").isNotEqualTo(k1).isNotEqualTo(k0);
    }
}
