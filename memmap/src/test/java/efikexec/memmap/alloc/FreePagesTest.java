package efikexec.memmap.alloc;

import static efikexec.memmap.ExpectedDescriptors.free;
import static efikexec.memmap.ExpectedDescriptors.reserved;
import static efikexec.memmap.ExpectedDescriptors.typed;
import static efikexec.model.EfiStatus.INVALID_PARAMETER;
import static efikexec.model.EfiStatus.NOT_FOUND;
import static efikexec.model.EfiStatus.SUCCESS;
import static efikexec.model.MemoryType.BOOT_SERVICES_DATA;
import static efikexec.model.MemoryType.LOADER_CODE;
import static efikexec.model.MemoryType.LOADER_DATA;
import static org.assertj.core.api.Assertions.assertThat;

import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.Targets;
import efikexec.memmap.alloc.Placement.At;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePagesTest {
    private final CheckedAllocator a = new CheckedAllocator(Targets.virt1G());
    private final List<MemoryDescriptor> initial = a.descriptors();

    @Test
    void freeingWhatWasAllocatedRestoresTheMap() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 16);
        long keyAfterAllocate = a.map.mapKey();
        a.freePages(SUCCESS, 0x5000_0000L, 16);
        assertThat(a.descriptors()).isEqualTo(initial);
        assertThat(a.map.mapKey()).as("free changes the map, so the key moves on, never back")
                .isNotEqualTo(keyAfterAllocate).isNotZero();
    }

    @Test
    void unalignedAddressOrZeroPagesIsAnInvalidParameter() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 16);
        a.freePages(INVALID_PARAMETER, 0x5000_0800L, 1);
        a.freePages(INVALID_PARAMETER, 0x5000_0000L, 0);
    }

    @Test
    void freeingPagesThatAreNotAllocatedIsNotFound() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 16);
        a.freePages(NOT_FOUND, 0x6000_0000L, 1); // free memory
        a.freePages(NOT_FOUND, 0x4000_0000L, 1); // the target's reserved range
        a.freePages(NOT_FOUND, 0x4800_1000L, 1); // the other one
        a.freePages(NOT_FOUND, 0x3000_0000L, 1); // below RAM
        a.freePages(NOT_FOUND, 0x8000_0000L, 1); // above RAM
        a.freePages(NOT_FOUND, 0, 1); // page 0, not RAM here
        a.freePages(NOT_FOUND, 0x4fff_f000L, 2); // a free page, then an allocated one
        a.freePages(NOT_FOUND, 0x5000_f000L, 2); // an allocated page, then a free one
        a.freePages(NOT_FOUND, 0x5000_0000L, -1L); // the guest's UINTN max
        assertThat(a.map.find(0x5000_0000L)).isEqualTo(typed(LOADER_DATA, 0x5000_0000L, 0x5001_0000L));
    }

    @Test
    void rangeReachingIntoReservedIsNotFound() {
        a.allocatePages(SUCCESS, new At(0x4010_0000L), LOADER_DATA, 1);
        a.freePages(NOT_FOUND, 0x400f_f000L, 2);
        a.freePages(SUCCESS, 0x4010_0000L, 1);
    }

    @Test
    void doubleFreeIsNotFound() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 4);
        a.freePages(SUCCESS, 0x5000_0000L, 4);
        a.freePages(NOT_FOUND, 0x5000_0000L, 4);
    }

    @Test
    void freeingTheMiddleOfAnAllocationSplitsIt() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_DATA, 16);
        a.freePages(SUCCESS, 0x5000_4000L, 4);
        assertThat(a.descriptors()).containsExactly(
                reserved(0x4000_0000L, 0x4010_0000L),
                free(0x4010_0000L, 0x4800_0000L),
                reserved(0x4800_0000L, 0x4800_3000L),
                free(0x4800_3000L, 0x5000_0000L),
                typed(LOADER_DATA, 0x5000_0000L, 0x5000_4000L),
                free(0x5000_4000L, 0x5000_8000L),
                typed(LOADER_DATA, 0x5000_8000L, 0x5001_0000L),
                free(0x5001_0000L, 0x8000_0000L));
    }

    @Test
    void oneFreeMaySpanAdjacentAllocationsOfDifferentTypes() {
        a.allocatePages(SUCCESS, new At(0x5000_0000L), LOADER_CODE, 2);
        a.allocatePages(SUCCESS, new At(0x5000_2000L), BOOT_SERVICES_DATA, 2);
        a.allocatePages(SUCCESS, new At(0x5000_4000L), 0x8000_0000, 1);
        a.freePages(SUCCESS, 0x5000_0000L, 5);
        assertThat(a.descriptors()).isEqualTo(initial);
    }
}
