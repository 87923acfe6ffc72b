package efikexec.purgatory.stub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stub's bytes as the Java side builds them; what the code does is emulation-tests' job. */
class Aarch64HandoffStubTest {
    private static byte[] sha(int fill) {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i++) s[i] = (byte) (fill + i);
        return s;
    }

    private static HandoffParameters twoSegments() {
        return new HandoffParameters(0x0900_0000L, 0x4020_0000L, new long[] {0x4800_0000L, 1, 2, 3},
                List.of(new SegmentCheck(0x4020_0000L, 0x1234, 0x2dcc, sha(0x10)),
                        new SegmentCheck(0x4800_0000L, 0, sha(0xa0))));
    }

    @Test
    void theAssembledResourceIsOnTheClassPath() throws Exception {
        try (InputStream in = Aarch64HandoffStub.class.getResourceAsStream(Aarch64HandoffStub.RESOURCE)) {
            assertThat(in).as(Aarch64HandoffStub.RESOURCE).isNotNull();
            byte[] bytes = in.readAllBytes();
            assertThat(bytes).isEqualTo(Aarch64HandoffStub.code());
        }
        byte[] code = Aarch64HandoffStub.code();
        assertThat(code.length % 8).as("the block label is 8-byte aligned and ends the code").isZero();
        // the entry table: five b instructions forward into the code
        for (int slot = 0; slot <= Aarch64HandoffStub.HALT; slot += 4) {
            int word = ByteBuffer.wrap(code, slot, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertThat(word >>> 26).as("slot +%d is a b", slot).isEqualTo(0b000101);
            assertThat(Aarch64HandoffStub.routineOffset(slot)).isBetween(20, code.length - 4);
        }
        assertThat(Aarch64HandoffStub.routineOffset(Aarch64HandoffStub.MAIN)).as("main follows the table").isEqualTo(20);
        assertThat(Aarch64HandoffStub.blockOffset()).isEqualTo(code.length);
    }

    @Test
    void theParameterBlockFollowsTheCodeAsTheStubReadsIt() {
        byte[] code = Aarch64HandoffStub.code();
        byte[] stub = Aarch64HandoffStub.build(twoSegments());
        assertThat(stub).hasSize(code.length + 64 + 2 * 56);
        assertThat(Arrays.copyOf(stub, code.length)).isEqualTo(code);
        ByteBuffer b = ByteBuffer.wrap(stub, code.length, stub.length - code.length).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("EFXHNDOF");
        assertThat(b.getLong()).as("uart").isEqualTo(0x0900_0000L);
        assertThat(b.getLong()).as("entry").isEqualTo(0x4020_0000L);
        assertThat(new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()}).as("x0..x3")
                .containsExactly(0x4800_0000L, 1, 2, 3);
        assertThat(b.getLong()).as("count").isEqualTo(2);
        byte[] digest = new byte[32];
        assertThat(b.getLong()).isEqualTo(0x4020_0000L);
        assertThat(b.getLong()).as("size").isEqualTo(0x1234);
        assertThat(b.getLong()).as("zeros").isEqualTo(0x2dcc);
        b.get(digest);
        assertThat(digest).isEqualTo(sha(0x10));
        assertThat(b.getLong()).isEqualTo(0x4800_0000L);
        assertThat(b.getLong()).isZero();
        assertThat(b.getLong()).isZero();
        b.get(digest);
        assertThat(digest).isEqualTo(sha(0xa0));
        assertThat(b.hasRemaining()).isFalse();
        // and the exact bytes of the header's start, as a reader of the ELF would see them
        assertThat(Arrays.copyOfRange(stub, code.length, code.length + 16)).containsExactly(
                'E', 'F', 'X', 'H', 'N', 'D', 'O', 'F', 0, 0, 0, 9, 0, 0, 0, 0);
    }

    @Test
    void noSegmentsIsAHeaderAlone() {
        HandoffParameters p = new HandoffParameters(0, 0x4000_0000L, new long[4], List.of());
        byte[] block = Aarch64HandoffStub.parameterBlock(p);
        assertThat(block).hasSize(64);
        assertThat(ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).getLong(56)).isZero();
    }

    @Test
    void sameParametersSameBytes() {
        assertThat(Aarch64HandoffStub.build(twoSegments())).isEqualTo(Aarch64HandoffStub.build(twoSegments()));
        assertThat(twoSegments()).isEqualTo(twoSegments()).hasSameHashCodeAs(twoSegments());
        HandoffParameters other = new HandoffParameters(0x0900_0000L, 0x4020_0000L, new long[] {0x4800_0000L, 1, 2, 3},
                List.of(new SegmentCheck(0x4020_0000L, 0x1234, sha(0x11)),
                        new SegmentCheck(0x4800_0000L, 0, sha(0xa0))));
        assertThat(Aarch64HandoffStub.build(other)).isNotEqualTo(Aarch64HandoffStub.build(twoSegments()));
    }

    @Test
    void parametersAreCopiedNotShared() {
        long[] regs = {1, 2, 3, 4};
        byte[] digest = sha(0);
        HandoffParameters p = new HandoffParameters(0, 0, regs, List.of(new SegmentCheck(0, 0, digest)));
        regs[0] = 99;
        digest[0] = 99;
        p.registers()[1] = 99;
        p.segments().get(0).sha256()[1] = 99;
        assertThat(p.registers()).containsExactly(1, 2, 3, 4);
        assertThat(p.segments().get(0).sha256()).isEqualTo(sha(0));
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> new HandoffParameters(0, 0, new long[3], List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x0..x3");
        assertThatThrownBy(() -> new HandoffParameters(0, 0, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HandoffParameters(0, 0, new long[4], null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HandoffParameters(0x0900_0002L, 0, new long[4], List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UART");
        assertThatThrownBy(() -> new HandoffParameters(0, 0x4000_0001L, new long[4], List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry");
        assertThatThrownBy(() -> new SegmentCheck(0x1000, 16, new byte[31]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new SegmentCheck(0x1000, 16, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmentCheck(0x1002, 16, sha(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
        assertThatThrownBy(() -> new SegmentCheck(-4096, 16, sha(0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmentCheck(0x1000, -1, sha(0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SegmentCheck(Long.MAX_VALUE - 4095, 4097, sha(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^63");
        assertThatThrownBy(() -> Aarch64HandoffStub.routineOffset(20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aarch64HandoffStub.routineOffset(2)).isInstanceOf(IllegalArgumentException.class);
    }
}
