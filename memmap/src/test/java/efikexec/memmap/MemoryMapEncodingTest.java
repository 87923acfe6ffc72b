package efikexec.memmap;

import static efikexec.model.MemoryType.LOADER_DATA;
import static efikexec.model.MemoryType.RUNTIME_SERVICES_DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MemoryMapEncodingTest {

    private static MemoryMap busyMap() {
        MemoryMap map = MemoryMap.fromTarget(Targets.virt1G());
        map.convert(0x5000_0000L, 3, LOADER_DATA);
        map.convert(0x6000_0000L, 1, RUNTIME_SERVICES_DATA);
        map.convert(0x7000_0000L, 2, 0xffff_ffff);
        MapInvariants.assertValid(map);
        return map;
    }

    @Test
    void layoutIsTheUefiMemoryDescriptorWithVirtualStartZeroAndPadding() {
        MemoryMap map = busyMap();
        byte[] b = map.encode(MemoryMap.DESCRIPTOR_SIZE);
        assertThat(b).hasSize(map.descriptors().size() * 48);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int i = map.descriptors().indexOf(map.find(0x6000_0000L));
        int at = i * 48;
        assertThat(le.getInt(at)).as("Type").isEqualTo(6);
        assertThat(le.getInt(at + 4)).as("padding").isZero();
        assertThat(le.getLong(at + 8)).as("PhysicalStart").isEqualTo(0x6000_0000L);
        assertThat(le.getLong(at + 16)).as("VirtualStart").isZero();
        assertThat(le.getLong(at + 24)).as("NumberOfPages").isEqualTo(1);
        assertThat(le.getLong(at + 32)).as("Attribute").isEqualTo(0x8000_0000_0000_000fL);
        assertThat(Arrays.copyOfRange(b, at + 40, at + 48)).as("tail of the 48 bytes").containsOnly(0);
        int os = map.descriptors().indexOf(map.find(0x7000_0000L)) * 48;
        assertThat(le.getInt(os)).as("OS type value is written as is").isEqualTo(0xffff_ffff);
    }

    @ParameterizedTest(name = "descriptor size {0}")
    @ValueSource(ints = {40, 48, 56})
    void decodeReadsBackWhatEncodeWrote(int size) {
        MemoryMap map = busyMap();
        byte[] b = map.encode(size);
        assertThat(MemoryMap.decode(b, map.descriptors().size(), size)).isEqualTo(map.descriptors());
    }

    @Test
    void refusesDescriptorSizesThatCannotHoldTheFieldsOrMisalignThem() {
        MemoryMap map = busyMap();
        assertThatThrownBy(() -> map.encode(32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> map.encode(44)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryMap.decode(new byte[48], 2, 48))
                .as("more descriptors than bytes").isInstanceOf(IllegalArgumentException.class);
    }
}
