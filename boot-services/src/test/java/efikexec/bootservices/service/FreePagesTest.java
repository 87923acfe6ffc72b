package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import org.junit.jupiter.api.Test;

/** gBS->FreePages (UEFI 2.10, 7.2). */
class FreePagesTest {
    static final int ANY_PAGES = 0, ADDRESS = 2;
    static final long PAGE = 4096;

    final Payload p = Payload.start();

    long allocate(long pages) {
        long out = p.cell();
        assertThat(p.boot("AllocatePages", ANY_PAGES, MemoryType.LOADER_DATA.value(), pages, out)).isEqualTo(EfiStatus.SUCCESS);
        return p.u64(out);
    }

    @Test
    void freedPagesAreConventionalAgainAndReusable() {
        long a = allocate(4);
        assertThat(p.boot("FreePages", a, 4)).as("FreePages of an allocation did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.memoryMap().holding(a).type()).as("freed pages are not EfiConventionalMemory")
                .isEqualTo(MemoryType.CONVENTIONAL);
        long out = p.cell(a);
        assertThat(p.boot("AllocatePages", ADDRESS, MemoryType.LOADER_CODE.value(), 4, out))
                .as("AllocatePages(AllocateAddress) of freed pages did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.u64(out)).isEqualTo(a);
    }

    @Test
    void anyPagesHandsTheFreedRangeOutAgain() {
        long a = allocate(2);
        assertThat(p.boot("FreePages", a, 2)).isEqualTo(EfiStatus.SUCCESS);
        // Top-down search: the highest free range is the one just freed.
        assertThat(allocate(2)).as("AllocateAnyPages did not reuse the freed range").isEqualTo(a);
    }

    @Test
    void freeingPartOfAnAllocationSplitsIt() {
        long a = allocate(4);
        assertThat(p.boot("FreePages", a + PAGE, 2)).isEqualTo(EfiStatus.SUCCESS);
        Payload.MemoryMapReply m = p.memoryMap();
        assertThat(m.holding(a).type()).isEqualTo(MemoryType.LOADER_DATA);
        assertThat(m.holding(a + PAGE).type()).isEqualTo(MemoryType.CONVENTIONAL);
        assertThat(m.holding(a + 3 * PAGE).type()).isEqualTo(MemoryType.LOADER_DATA);
    }

    @Test
    void freeingFreeOrReservedOrMissingMemoryIsNotFound() {
        long a = allocate(1);
        assertThat(p.boot("FreePages", a, 1)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.boot("FreePages", a, 1)).as("FreePages of free pages did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("FreePages", Payload.RESERVED.start(), 1))
                .as("FreePages of reserved memory did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("FreePages", 0x1000, 1)).as("FreePages outside RAM did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void unalignedOrZeroPagesIsInvalidParameter() {
        long a = allocate(1);
        assertThat(p.boot("FreePages", a + 8, 1)).as("FreePages unaligned did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("FreePages", a, 0)).as("FreePages of 0 pages did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void mapKeyChangesOnFreeButNotOnAFailedFree() {
        long a = allocate(1);
        long k0 = p.mapKey();
        assertThat(p.boot("FreePages", a, 1)).isEqualTo(EfiStatus.SUCCESS);
        long k1 = p.mapKey();
        assertThat(k1).as("FreePages did not change the MapKey").isNotEqualTo(k0);
        assertThat(p.boot("FreePages", a, 1)).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.mapKey()).as("a failed FreePages changed the MapKey").isEqualTo(k1);
    }
}
