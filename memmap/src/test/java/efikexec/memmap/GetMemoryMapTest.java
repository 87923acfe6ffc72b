package efikexec.memmap;

import static efikexec.model.MemoryType.LOADER_DATA;
import static org.assertj.core.api.Assertions.assertThat;

import efikexec.model.EfiStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MemoryMap#snapshot}: what GetMemoryMap answers for a given buffer size. */
class GetMemoryMapTest {
    private final MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
    private final long exact = 4L * MemoryMap.DESCRIPTOR_SIZE;

    @Test
    void sizeZeroGetsBufferTooSmallWithTheSizePlusRoomForTwoMore() {
        MemoryMapSnapshot s = map.snapshot(0);
        assertThat(s.status()).as("GetMemoryMap(size 0) should return BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(s.memoryMapSize()).isEqualTo(6L * 48);
        assertThat(s.descriptors()).isEmpty();
        assertThat(s.descriptorSize()).isEqualTo(48);
        assertThat(s.descriptorVersion()).isEqualTo(1);
    }

    @Test
    void aBufferOneByteShortAlsoGetsTheSize() {
        MemoryMapSnapshot s = map.snapshot(exact - 1);
        assertThat(s.status()).as("one byte short should return BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(s.memoryMapSize()).isEqualTo(exact + 2 * 48);
    }

    @Test
    void anExactBufferGetsTheWholeMapAndTheKey() {
        map.convert(0x5000_0000L, 1, LOADER_DATA);
        MapInvariants.assertValid(map);
        long sixDescriptors = 6L * 48;
        MemoryMapSnapshot s = map.snapshot(sixDescriptors);
        assertThat(s.status()).as("an exact buffer should return SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(s.memoryMapSize()).isEqualTo(sixDescriptors);
        assertThat(s.descriptorCount()).isEqualTo(6);
        assertThat(MemoryMap.decode(s.descriptors(), s.descriptorCount(), s.descriptorSize())).isEqualTo(map.descriptors());
        assertThat(s.mapKey()).isEqualTo(map.mapKey()).isEqualTo(1);
    }

    @Test
    void aLargerBufferGetsTheSizeActuallyWritten() {
        MemoryMapSnapshot s = map.snapshot(4096);
        assertThat(s.status()).as("a large buffer should return SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(s.memoryMapSize()).isEqualTo(exact);
        MemoryMapSnapshot unsignedHuge = map.snapshot(-1L);
        assertThat(unsignedHuge.status()).as("size 0xffff…ffff is huge, not negative: SUCCESS").isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void isAPureRead() {
        List<MemoryDescriptor> before = map.descriptors();
        map.snapshot(0);
        map.snapshot(exact);
        MemoryMapSnapshot s = map.snapshot(exact);
        assertThat(map.descriptors()).isEqualTo(before);
        assertThat(map.mapKey()).isZero();
        s.descriptors()[0] = 42;
        assertThat(s.descriptors()[0]).as("a snapshot cannot be changed through its accessor").isZero();
    }
}
