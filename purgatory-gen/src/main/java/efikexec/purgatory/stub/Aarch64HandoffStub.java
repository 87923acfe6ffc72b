package efikexec.purgatory.stub;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The arm64 handoff stub: the machine code assembled from src/main/asm/aarch64-handoff.S (a
 * resource) followed by its parameter block. The stub is position independent; a loader places
 * the bytes {@link #build} returns at any 4 KiB-aligned address and starts the CPU at their first
 * byte (EL1 or EL2, MMU off). It needs no stack and touches no memory outside its own bytes, the
 * segments and the UART. See the source for what it does and the calling convention of the
 * routines in its entry table.
 */
public final class Aarch64HandoffStub {
    public static final String RESOURCE = "/efikexec/purgatory/stub/aarch64-handoff.bin";
    /** "EFXHNDOF", the parameter block's first u64 (little endian). */
    public static final long MAGIC = HandoffParameters.MAGIC;

    /** Entry table offsets: each holds a {@code b} to the routine. The handoff itself. */
    public static final int MAIN = 0;
    /** SHA-256 with the ARMv8 SHA2 instructions: x0 = data, x1 = length, x2 = 32-byte output; ret. */
    public static final int SHA256_SHA2 = 4;
    /** SHA-256 in general-purpose registers only, same convention as {@link #SHA256_SHA2}. */
    public static final int SHA256_SCALAR = 8;
    /** putc: w0 = character, x21 = PL011 base; every console byte goes through it. */
    public static final int PUTC = 12;
    /** halt: the wfe loop the stub parks in after a mismatch, never to leave. */
    public static final int HALT = 16;
    private static final int TABLE_ENTRIES = 5;

    /** Parameter block: magic, uart, entry, x0..x3, count; then the segment table. */
    public static final int BLOCK_HEADER_SIZE = HandoffParameters.BLOCK_HEADER_SIZE;
    /** One segment: u64 address, u64 size, u64 zeros, 32 bytes of SHA-256. */
    public static final int BLOCK_SEGMENT_SIZE = HandoffParameters.BLOCK_SEGMENT_SIZE;

    private Aarch64HandoffStub() {
    }

    private static final class Code {
        static final byte[] BYTES = load();

        private static byte[] load() {
            byte[] b = StubCode.read(RESOURCE, "binutils-aarch64-linux-gnu");
            // The block is found with adr at the 8-byte aligned label that ends the code.
            if (b.length < 4 * TABLE_ENTRIES || b.length % 8 != 0) {
                throw new IllegalStateException(RESOURCE + ": " + b.length + " bytes is no stub");
            }
            for (int i = 0; i < TABLE_ENTRIES; i++) branchTarget(b, 4 * i);
            return b;
        }
    }

    /** The assembled code alone (a copy). */
    public static byte[] code() {
        return Code.BYTES.clone();
    }

    /** Where the parameter block starts: the length of the code. */
    public static int blockOffset() {
        return Code.BYTES.length;
    }

    /**
     * Where the routine an entry-table slot branches to begins (the routine itself, not the slot):
     * the address to hook to see every call, including the stub's own.
     *
     * @param slot {@link #MAIN}, {@link #SHA256_SHA2}, {@link #SHA256_SCALAR}, {@link #PUTC} or {@link #HALT}
     */
    public static int routineOffset(int slot) {
        if (slot < 0 || slot % 4 != 0 || slot >= 4 * TABLE_ENTRIES) {
            throw new IllegalArgumentException("no entry-table slot at +" + slot);
        }
        return branchTarget(Code.BYTES, slot);
    }

    private static int branchTarget(byte[] code, int at) {
        int word = ByteBuffer.wrap(code, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((word >>> 26) != 0b000101) {
            throw new IllegalStateException(String.format("%s: entry-table slot +%d holds 0x%08x, not a b", RESOURCE,
                    at, word));
        }
        int target = at + ((word << 6) >> 4); // imm26, sign extended, in words
        if (target < 0 || target >= code.length) {
            throw new IllegalStateException(String.format("%s: slot +%d branches outside the code", RESOURCE, at));
        }
        return target;
    }

    /** The parameter block alone, as the stub reads it (little endian). */
    public static byte[] parameterBlock(HandoffParameters p) {
        return p.block();
    }

    /** The stub to load: code, then the parameter block. Same parameters, same bytes. */
    public static byte[] build(HandoffParameters p) {
        return p.after(Code.BYTES);
    }
}
