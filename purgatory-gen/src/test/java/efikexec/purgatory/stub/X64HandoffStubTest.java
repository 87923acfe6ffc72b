package efikexec.purgatory.stub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The x86_64 stub's bytes as the Java side builds them; what the code does is emulation-tests' job. */
class X64HandoffStubTest {
    private static byte[] sha(int fill) {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i++) s[i] = (byte) (fill + i);
        return s;
    }

    private static HandoffParameters twoSegments() {
        return new HandoffParameters(X64HandoffStub.COM1, 0x100_0000L, new long[] {0x3f6a_b000L, 0, 0, 0},
                List.of(new SegmentCheck(0x100_0000L, 0x4000, 0x1000, sha(0x10)), new SegmentCheck(0x3f4c_3000L, 0x1000, sha(0xa0))));
    }

    @Test
    void theEntryTableJumpsIntoTheCode() throws Exception {
        try (InputStream in = X64HandoffStub.class.getResourceAsStream(X64HandoffStub.RESOURCE)) {
            assertThat(in).as(X64HandoffStub.RESOURCE).isNotNull();
            assertThat(in.readAllBytes()).isEqualTo(X64HandoffStub.code());
        }
        byte[] code = X64HandoffStub.code();
        assertThat(code.length % 4096).as("the page tables end on a page, the block follows").isZero();
        for (int slot = 0; slot <= X64HandoffStub.MULTIBOOT; slot += 5) {
            assertThat(code[slot] & 0xff).as("slot +%d is a jmp rel32", slot).isEqualTo(0xe9);
            assertThat(X64HandoffStub.routineOffset(slot)).isBetween(30, code.length - 1);
        }
        assertThat(X64HandoffStub.routineOffset(X64HandoffStub.MAIN)).as("main follows the table").isEqualTo(30);
        assertThat(code[X64HandoffStub.routineOffset(X64HandoffStub.MULTIBOOT)] & 0xff).as("mov $imm32, %%ebp")
                .isEqualTo(0xbd);
        assertThatThrownBy(() -> X64HandoffStub.routineOffset(3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theParameterBlockHasTheArm64Layout() {
        byte[] code = X64HandoffStub.code();
        byte[] stub = X64HandoffStub.build(twoSegments());
        assertThat(stub).hasSize(code.length + 64 + 2 * 56);
        assertThat(Arrays.copyOf(stub, code.length)).isEqualTo(code);
        ByteBuffer b = ByteBuffer.wrap(stub, code.length, stub.length - code.length).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("EFXHNDOF");
        assertThat(b.getLong()).as("16550 port").isEqualTo(0x3f8);
        assertThat(b.getLong()).as("entry").isEqualTo(0x100_0000L);
        assertThat(new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()}).as("rsi, 0, 0, 0")
                .containsExactly(0x3f6a_b000L, 0, 0, 0);
        assertThat(b.getLong()).as("count").isEqualTo(2);
        assertThat(b.getLong()).isEqualTo(0x100_0000L);
        assertThat(b.getLong()).as("size").isEqualTo(0x4000);
        assertThat(b.getLong()).as("zeros").isEqualTo(0x1000);
        byte[] d = new byte[32];
        b.get(d);
        assertThat(d).isEqualTo(sha(0x10));
        assertThat(X64HandoffStub.build(twoSegments())).as("same parameters, same bytes").isEqualTo(stub);
    }

    @Test
    void locatedWritesTheLoadAddressIntoThePrologueOnly() {
        byte[] stub = X64HandoffStub.build(twoSegments());
        byte[] placed = X64HandoffStub.located(stub, 0x20_4000L);
        int imm = X64HandoffStub.routineOffset(X64HandoffStub.MULTIBOOT) + 1;
        assertThat(ByteBuffer.wrap(placed, imm, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(0x20_4000);
        int differing = 0;
        for (int i = 0; i < stub.length; i++) if (stub[i] != placed[i]) differing++;
        assertThat(differing).isBetween(1, 4);
        assertThat(X64HandoffStub.multibootEntry(0x20_4000L)).isEqualTo(0x20_4000L + 25);
        assertThatThrownBy(() -> X64HandoffStub.located(stub, 0x20_4100L)).hasMessageContaining("page aligned");
        assertThatThrownBy(() -> X64HandoffStub.located(stub, 0x1_0000_0000L)).hasMessageContaining("4 GiB");
    }

    @Test
    void movesGoToTheStartOfThePageTablesForThePrologue() {
        byte[] stub = X64HandoffStub.build(twoSegments());
        byte[] moved = X64HandoffStub.withMoves(stub, List.of(new long[] {0xb20_5000L, 0x3f4c_3000L, 0x1e_9000L},
                new long[] {0xb3e_e000L, 0x3ffd_5000L, 0x1000}));
        ByteBuffer b = ByteBuffer.wrap(moved, X64HandoffStub.blockOffset() - X64HandoffStub.TABLES_SIZE, 28)
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).as("count").isEqualTo(2);
        assertThat(new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt()})
                .containsExactly(0xb20_5000, 0x3f4c_3000, 0x1e_9000, 0xb3e_e000, 0x3ffd_5000, 0x1000);
        assertThat(Arrays.copyOfRange(moved, X64HandoffStub.blockOffset(), moved.length)).as("the block is untouched")
                .isEqualTo(Arrays.copyOfRange(stub, X64HandoffStub.blockOffset(), stub.length));
        assertThat(X64HandoffStub.withMoves(stub, List.of())).as("no moves: the count stays 0").isEqualTo(stub);
        assertThatThrownBy(() -> X64HandoffStub.withMoves(stub, List.<long[]>of(new long[] {0x1_0000_0000L, 0, 1})))
                .hasMessageContaining("move field");
    }

    @Test
    void aPortBaseMustBeAnIoPort() {
        assertThatThrownBy(() -> X64HandoffStub.build(new HandoffParameters(0x0900_0000L, 0x100_0000L, new long[4],
                List.of()))).hasMessageContaining("I/O port");
    }
}
