package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import org.junit.jupiter.api.Test;

/** gBS->AllocatePool and gBS->FreePool (UEFI 2.10, 7.2). */
class AllocatePoolTest {
    final Payload p = Payload.start();

    @Test
    void poolIsAlignedUsableAndOfTheAskedType() {
        long out = p.cell();
        assertThat(p.boot("AllocatePool", MemoryType.BOOT_SERVICES_DATA.value(), 100, out))
                .as("AllocatePool did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long a = p.u64(out);
        assertThat(a).isNotZero();
        assertThat(a % 8).as("pool not 8-byte aligned").isZero();
        p.mem.fill(a, 100, 0xee);
        assertThat(p.memoryMap().holding(a).type()).isEqualTo(MemoryType.BOOT_SERVICES_DATA);
    }

    @Test
    void poolsDoNotOverlap() {
        long a = p.pool(5000), b = p.pool(5000);
        assertThat(a + 5000 <= b || b + 5000 <= a).as("pools 0x%x and 0x%x overlap", a, b).isTrue();
    }

    @Test
    void freePoolReleasesAndDoubleFreeIsInvalidParameter() {
        long a = p.pool(64);
        long k = p.mapKey();
        assertThat(p.boot("FreePool", a)).as("FreePool did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.mapKey()).as("FreePool did not change the MapKey").isNotEqualTo(k);
        assertThat(p.memoryMap().holding(a).type()).isEqualTo(MemoryType.CONVENTIONAL);
        assertThat(p.boot("FreePool", a)).as("a second FreePool did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void freePoolOfSomethingElseIsInvalidParameter() {
        long a = p.pool(64);
        assertThat(p.boot("FreePool", a + 8)).as("FreePool inside a pool did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("FreePool", p.scratchBase())).as("FreePool of AllocatePages memory did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("FreePool", 0)).as("FreePool(NULL) did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void badPoolTypeOrNullBufferIsInvalidParameter() {
        assertThat(p.boot("AllocatePool", MemoryType.CONVENTIONAL.value(), 16, p.cell()))
                .as("AllocatePool of EfiConventionalMemory did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("AllocatePool", 0x1_0000_0000L, 16, p.cell()))
                .as("AllocatePool of a type above 32 bits did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("AllocatePool", MemoryType.LOADER_DATA.value(), 16, 0))
                .as("AllocatePool with Buffer NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void tooLargeIsOutOfResources() {
        assertThat(p.boot("AllocatePool", MemoryType.LOADER_DATA.value(), 2L * Payload.RAM_SIZE, p.cell()))
                .as("AllocatePool larger than RAM did not return EFI_OUT_OF_RESOURCES").isEqualTo(EfiStatus.OUT_OF_RESOURCES);
    }

    @Test
    void mapKeyChangesWithAllocatePool() {
        long k = p.mapKey();
        p.pool(10);
        assertThat(p.mapKey()).as("AllocatePool did not change the MapKey").isNotEqualTo(k);
    }
}
