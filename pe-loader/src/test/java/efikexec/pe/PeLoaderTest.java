package efikexec.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.model.memory.GuestMemoryException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PeLoaderTest {
    private static final byte[] FILE = new SyntheticPe().build();
    private static final PeImage PE = PeParser.parse(FILE);
    private static final long BASE = 0x4000_0000L;

    @Test
    void placesHeadersAndSectionsAndZeroesTheRest() {
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x10000);
        mem.fill(BASE, 0x10000, 0xcc); // garbage left by an earlier owner
        long at = BASE + 0x1000;
        LoadedImage loaded = PE.load(FILE, mem, at);

        assertThat(loaded.loadAddress()).isEqualTo(at);
        assertThat(loaded.entryPoint()).isEqualTo(at + 0x1000);
        assertThat(loaded.end()).isEqualTo(at + SyntheticPe.SIZE_OF_IMAGE);
        assertThat(mem.read(at, 0x200)).isEqualTo(Arrays.copyOf(FILE, 0x200));
        assertThat(mem.read(at + 0x1000, 0x100)).isEqualTo(Arrays.copyOfRange(FILE, 0x200, 0x300));
        // .text's VirtualSize is 0x100: its raw data beyond that is not loaded
        assertThat(mem.read(at + 0x1100, 0xf00)).containsOnly(0);
        // .data: raw data, then BSS up to VirtualSize
        assertThat(mem.read(at + 0x2018, 0x200 - 0x18)).isEqualTo(Arrays.copyOfRange(FILE, 0x418, 0x600));
        assertThat(mem.read(at + 0x2200, 0x1600)).containsOnly(0);
        assertThat(mem.read(at + 0x3800, 0x800)).containsOnly(0);
        assertThat(mem.read(at + 0x4000, 16)).isEqualTo(Arrays.copyOfRange(FILE, 0x600, 0x610));
        assertThat(mem.read(at + 0x4010, 0xff0)).containsOnly(0);
        // nothing outside the image is touched
        assertThat(mem.read(BASE, 0x1000)).containsOnly(0xcc);
        assertThat(mem.read(at + SyntheticPe.SIZE_OF_IMAGE, 0x1000)).containsOnly(0xcc);
    }

    @Test
    void unmappedTargetIsRefusedBeforeWriting() {
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x4000);
        assertThatThrownBy(() -> PE.load(FILE, mem, BASE)).isInstanceOf(GuestMemoryException.class);
        assertThat(mem.read(BASE, 0x4000)).containsOnly(0);
    }

    @Test
    void anotherFileIsRefused() {
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x10000);
        assertThatThrownBy(() -> PE.load(Arrays.copyOf(FILE, 0x900), mem, BASE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
