package efikexec.purgatory.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.purgatory.segment.Segment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** handoff-multiboot.elf's layout, as QEMU's Multiboot loader reads it. */
class MultibootElf32Test {
    private static final long STUB = 0x20_4000L;
    private static final byte[] STUB_BYTES = new byte[0x2100];

    static {
        for (int i = 0; i < STUB_BYTES.length; i++) STUB_BYTES[i] = (byte) (i * 13);
    }

    private static List<Segment> segments() {
        byte[] kernel = new byte[0x3000];
        Arrays.fill(kernel, (byte) 0x90);
        byte[] params = {1, 2, 3};
        return List.of(new Segment(0x3f4c_3000L, params, 0x2000), new Segment(0x100_0000L, kernel, 0x8000));
    }

    @Test
    void anElf32ForI386WithAMultibootHeaderInItsFirst8KiB() {
        MultibootElf32 elf = new MultibootElf32(segments(), STUB, STUB_BYTES, STUB + 25);
        ByteBuffer b = ByteBuffer.wrap(elf.toBytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(0x464c457f);
        assertThat(b.get(4)).as("ELFCLASS32").isEqualTo((byte) 1);
        assertThat(b.getShort(16)).as("ET_EXEC").isEqualTo((short) 2);
        assertThat(b.getShort(18)).as("EM_386: QEMU refuses EM_X86_64").isEqualTo((short) 3);
        assertThat(b.getInt(24)).as("e_entry: the 32-bit prologue").isEqualTo((int) (STUB + 25));
        int phoff = b.getInt(28);
        int count = b.getShort(44);
        assertThat(count).isEqualTo(3);
        int header = -1;
        for (int i = 0; i < 8192 - 12; i += 4) {
            if (b.getInt(i) == 0x1badb002 && b.getInt(i) + b.getInt(i + 4) + b.getInt(i + 8) == 0) {
                header = i;
                break;
            }
        }
        assertThat(header).as("Multiboot header").isPositive();
        assertThat(b.getInt(header + 4) & 0x10004).as("no a.out kludge, no video mode").isZero();

        long[] addresses = new long[count];
        for (int i = 0; i < count; i++) {
            int ph = phoff + 32 * i;
            assertThat(b.getInt(ph)).as("PT_LOAD").isEqualTo(1);
            int offset = b.getInt(ph + 4);
            addresses[i] = b.getInt(ph + 12) & 0xffffffffL;
            assertThat(b.getInt(ph + 8)).as("p_vaddr = p_paddr").isEqualTo(b.getInt(ph + 12));
            assertThat(offset % 4096).as("offset congruent to the address").isEqualTo((int) (addresses[i] % 4096));
            if (addresses[i] == STUB) {
                assertThat(b.getInt(ph + 16)).isEqualTo(STUB_BYTES.length);
                assertThat(Arrays.copyOfRange(b.array(), offset, offset + STUB_BYTES.length)).isEqualTo(STUB_BYTES);
            }
            if (addresses[i] == 0x100_0000L) {
                assertThat(b.getInt(ph + 16)).as("filesz = bufsz").isEqualTo(0x3000);
                assertThat(b.getInt(ph + 20)).as("memsz").isEqualTo(0x8000);
                assertThat(b.get(offset + 0x2fff)).isEqualTo((byte) 0x90);
            }
        }
        assertThat(addresses).as("in address order").containsExactly(STUB, 0x100_0000L, 0x3f4c_3000L);
        assertThat(elf.span()).as("lowest PT_LOAD to the page QEMU writes after the highest")
                .containsExactly(STUB, 0x3f4c_5000L + 4096);
        assertThat(new MultibootElf32(segments(), STUB, STUB_BYTES, STUB + 25).toBytes()).isEqualTo(elf.toBytes());
    }

    @Test
    void refusesWhatItCannotPlace() {
        assertThatThrownBy(() -> new MultibootElf32(List.of(new Segment(0xffff_f000L, new byte[1], 0x1000)), STUB,
                STUB_BYTES, STUB)).hasMessageContaining("4 GiB");
        assertThatThrownBy(() -> new MultibootElf32(List.of(new Segment(0x20_5000L, new byte[1], 0x1000)), STUB,
                STUB_BYTES, STUB)).hasMessageContaining("overlap");
        assertThatThrownBy(() -> new MultibootElf32(segments(), STUB, STUB_BYTES, 0x100_0000L))
                .hasMessageContaining("outside the stub");
    }
}
