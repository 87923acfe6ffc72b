package efikexec.memmap.alloc;

import static efikexec.memmap.ExpectedDescriptors.free;
import static efikexec.memmap.ExpectedDescriptors.reserved;
import static efikexec.memmap.ExpectedDescriptors.typed;
import static efikexec.model.EfiStatus.INVALID_PARAMETER;
import static efikexec.model.EfiStatus.OUT_OF_RESOURCES;
import static efikexec.model.EfiStatus.SUCCESS;
import static efikexec.model.MemoryType.BOOT_SERVICES_DATA;
import static efikexec.model.MemoryType.LOADER_DATA;
import static org.assertj.core.api.Assertions.assertThat;

import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.MemoryMapSnapshot;
import efikexec.memmap.Targets;
import efikexec.memmap.alloc.Placement.Anywhere;
import efikexec.memmap.alloc.Placement.At;
import efikexec.model.EfiStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolAllocatorTest {
    private final CheckedAllocator a = new CheckedAllocator(Targets.virt1G());
    private final List<MemoryDescriptor> initial = a.descriptors();

    @Test
    void eachPoolAllocationGetsItsOwnPages() {
        long small = a.allocatePool(SUCCESS, LOADER_DATA, 100);
        long twoPages = a.allocatePool(SUCCESS, BOOT_SERVICES_DATA, 4097);
        assertThat(small).isEqualTo(0x7fff_f000L);
        assertThat(twoPages).isEqualTo(0x7fff_d000L);
        assertThat(small % 8).as("UEFI wants 8-byte aligned pool memory").isZero();
        assertThat(a.descriptors()).containsExactly(
                reserved(0x4000_0000L, 0x4010_0000L),
                free(0x4010_0000L, 0x4800_0000L),
                reserved(0x4800_0000L, 0x4800_3000L),
                free(0x4800_3000L, 0x7fff_d000L),
                typed(BOOT_SERVICES_DATA, 0x7fff_d000L, 0x7fff_f000L),
                typed(LOADER_DATA, 0x7fff_f000L, 0x8000_0000L));
        assertThat(a.pool.allocations()).containsOnlyKeys(small, twoPages);
        assertThat(a.pool.allocations().get(twoPages)).isEqualTo(new PoolAllocator.Block(2, BOOT_SERVICES_DATA.value()));

        a.freePool(SUCCESS, small);
        a.freePool(SUCCESS, twoPages);
        assertThat(a.descriptors()).isEqualTo(initial);
        assertThat(a.pool.allocations()).isEmpty();
    }

    @Test
    void doubleFreeIsAnInvalidParameter() {
        long p = a.allocatePool(SUCCESS, LOADER_DATA, 64);
        a.freePool(SUCCESS, p);
        a.freePool(INVALID_PARAMETER, p);
    }

    @Test
    void freeingAnythingButALivePoolAddressIsAnInvalidParameter() {
        long p = a.allocatePool(SUCCESS, LOADER_DATA, 64);
        long pages = a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 1);
        a.freePool(INVALID_PARAMETER, p + 8); // inside a pool buffer
        a.freePool(INVALID_PARAMETER, pages); // AllocatePages memory
        a.freePool(INVALID_PARAMETER, 0x6000_0000L); // free memory
        a.freePool(INVALID_PARAMETER, 0); // NULL, as U-Boot
        assertThat(a.map.find(pages)).isEqualTo(typed(LOADER_DATA, 0x5000_0000L, 0x5000_1000L));
        a.freePool(SUCCESS, p);
    }

    @Test
    void poolPagesReleasedBehindItsBackAreNotFreedAgain() {
        long p = a.allocatePool(SUCCESS, LOADER_DATA, 64);
        a.freePages(SUCCESS, p, 1);
        a.allocatePages(SUCCESS, new At(p), BOOT_SERVICES_DATA, 1); // someone else's now
        a.freePool(INVALID_PARAMETER, p);
        assertThat(a.map.find(p)).as("the new owner keeps its page").isEqualTo(typed(BOOT_SERVICES_DATA, p, p + 0x1000));
        assertThat(a.pool.allocations()).isEmpty();
    }

    @Test
    void aReservedTypePoolIsReleasedByFreePoolUnlikeReservedPages() {
        long p = a.allocatePool(SUCCESS, 0, 64);
        assertThat(a.map.find(p)).isEqualTo(reserved(p, p + 0x1000));
        a.freePool(SUCCESS, p);
        assertThat(a.descriptors()).isEqualTo(initial);
    }

    @Test
    void sizeZeroSucceedsWithNullAndAllocatesNothing() {
        assertThat(a.allocatePool(SUCCESS, LOADER_DATA, 0)).as("U-Boot returns NULL for size 0").isZero();
        assertThat(a.descriptors()).isEqualTo(initial);
        assertThat(a.pool.allocations()).isEmpty();
    }

    @Test
    void typesThatMayNotBeAllocatedAreInvalidParametersWhateverTheSize() {
        a.allocatePool(INVALID_PARAMETER, 7, 16);
        a.allocatePool(INVALID_PARAMETER, 7, 0);
        a.allocatePool(INVALID_PARAMETER, 14, 16);
        a.allocatePool(INVALID_PARAMETER, 0x6fff_ffff, 16);
        a.allocatePool(SUCCESS, 0x7000_0001, 16);
    }

    @Test
    void tooLargeIsOutOfResources() {
        a.allocatePool(OUT_OF_RESOURCES, LOADER_DATA, 0x4000_0000L);
        a.allocatePool(OUT_OF_RESOURCES, LOADER_DATA, -1L);
    }

    /** The stub's sequence: ask with size 0, allocate a pool of the size told, ask again. */
    @Test
    void theSizeReportedByGetMemoryMapStillFitsAfterAllocatingTheBufferForIt() {
        a.allocatePages(SUCCESS, new Anywhere(), BOOT_SERVICES_DATA, 1); // something at the top
        MemoryMapSnapshot probe = a.map.snapshot(0);
        assertThat(probe.status()).as("GetMemoryMap(0) should return BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        long keyBefore = a.map.mapKey();

        long buffer = a.allocatePool(SUCCESS, LOADER_DATA, probe.memoryMapSize());
        assertThat(a.map.mapKey()).as("the pool allocation changed the map").isNotEqualTo(keyBefore);

        MemoryMapSnapshot s = a.map.snapshot(probe.memoryMapSize());
        assertThat(s.status()).as("GetMemoryMap with the size it reported should return SUCCESS").isEqualTo(SUCCESS);
        assertThat(s.mapKey()).isEqualTo(a.map.mapKey());
        List<MemoryDescriptor> got = MemoryMap.decode(s.descriptors(), s.descriptorCount(), s.descriptorSize());
        assertThat(got).isEqualTo(a.descriptors()).contains(typed(LOADER_DATA, buffer, buffer + 0x1000));
    }
}
