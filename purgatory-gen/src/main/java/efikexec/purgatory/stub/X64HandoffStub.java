package efikexec.purgatory.stub;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The x86_64 handoff stub: the machine code assembled from src/main/asm/x86_64-handoff.S (a
 * resource) followed by its parameter block, laid out as on arm64 ({@link Aarch64HandoffStub}):
 * the console is a 16550's I/O port base and the four registers are rsi (boot_params) and three
 * zeros. The 64-bit code is position independent; kexec enters it at {@link #MAIN} in long mode.
 * QEMU's Multiboot loader enters the 32-bit prologue at {@link #MULTIBOOT}, which cannot find
 * itself without a stack, so {@link #located} writes the load address into it.
 */
public final class X64HandoffStub {
    public static final String RESOURCE = "/efikexec/purgatory/stub/x86_64-handoff.bin";
    public static final long MAGIC = HandoffParameters.MAGIC;
    /** The COM1 port: what QEMU's q35 and pc give -serial / -nographic, and Linux's ttyS0. */
    public static final long COM1 = 0x3f8;

    /** Entry table offsets: each holds a 5-byte jmp rel32. The handoff itself (64-bit). */
    public static final int MAIN = 0;
    /** SHA-256 with SHA-NI: rdi = data, rsi = length, rdx = 32-byte output (SysV). */
    public static final int SHA256_SHANI = 5;
    /** SHA-256 in general-purpose registers only, same convention. */
    public static final int SHA256_SCALAR = 10;
    /** putc: edi = character, esi = 16550 port base; every console byte goes through it. */
    public static final int PUTC = 15;
    /** halt: cli; hlt forever, where the stub parks after a mismatch. */
    public static final int HALT = 20;
    /** The 32-bit Multiboot entry: builds page tables, enters long mode, goes to main. */
    public static final int MULTIBOOT = 25;
    private static final int SLOT = 5;
    private static final int TABLE_ENTRIES = 6;
    private static final int JMP_REL32 = 0xe9;
    private static final int MOV_EBP_IMM32 = 0xbd;

    public static final int BLOCK_HEADER_SIZE = HandoffParameters.BLOCK_HEADER_SIZE;
    public static final int BLOCK_SEGMENT_SIZE = HandoffParameters.BLOCK_SEGMENT_SIZE;

    private X64HandoffStub() {
    }

    private static final class Code {
        static final byte[] BYTES = load();

        private static byte[] load() {
            byte[] b = StubCode.read(RESOURCE, "binutils");
            // the block is found RIP-relative at the label that ends the code (after the page tables)
            if (b.length < SLOT * TABLE_ENTRIES || b.length % 8 != 0) {
                throw new IllegalStateException(RESOURCE + ": " + b.length + " bytes is no stub");
            }
            for (int i = 0; i < TABLE_ENTRIES; i++) jumpTarget(b, SLOT * i);
            int mb = jumpTarget(b, MULTIBOOT);
            if ((b[mb] & 0xff) != MOV_EBP_IMM32) {
                throw new IllegalStateException(RESOURCE + ": the Multiboot prologue does not start with mov $imm32, %ebp");
            }
            return b;
        }
    }

    public static byte[] code() {
        return Code.BYTES.clone();
    }

    /** Where the parameter block starts: the length of the code. */
    public static int blockOffset() {
        return Code.BYTES.length;
    }

    /** Where the routine an entry-table slot jumps to begins (the address to hook to see every call). */
    public static int routineOffset(int slot) {
        if (slot < 0 || slot % SLOT != 0 || slot >= SLOT * TABLE_ENTRIES) {
            throw new IllegalArgumentException("no entry-table slot at +" + slot);
        }
        return jumpTarget(Code.BYTES, slot);
    }

    private static int jumpTarget(byte[] code, int at) {
        if ((code[at] & 0xff) != JMP_REL32) {
            throw new IllegalStateException(String.format("%s: entry-table slot +%d holds 0x%02x, not a jmp rel32",
                    RESOURCE, at, code[at] & 0xff));
        }
        int target = at + SLOT + ByteBuffer.wrap(code, at + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (target < 0 || target >= code.length) {
            throw new IllegalStateException(String.format("%s: slot +%d jumps outside the code", RESOURCE, at));
        }
        return target;
    }

    /** The parameter block alone (little endian), the same layout as arm64's. */
    public static byte[] parameterBlock(HandoffParameters p) {
        return p.block();
    }

    /** The stub: code, then the parameter block. Same parameters, same bytes. */
    public static byte[] build(HandoffParameters p) {
        if (p.uart() < 0 || p.uart() > 0xfff8) {
            throw new IllegalArgumentException(String.format("16550 port base 0x%x is not an I/O port", p.uart()));
        }
        return p.after(Code.BYTES);
    }

    /**
     * The stub with its load address written into the Multiboot prologue (a copy). The 64-bit code
     * does not need it; the 32-bit prologue does, and uses the stub's own page tables, so the stub
     * must lie page aligned below 4 GiB.
     */
    public static byte[] located(byte[] stub, long address) {
        if (address < 0 || address + stub.length > 0x1_0000_0000L || (address & 0xfff) != 0) {
            throw new IllegalArgumentException(String.format("stub at 0x%x: must be page aligned below 4 GiB", address));
        }
        if (stub.length < Code.BYTES.length) throw new IllegalArgumentException("not a stub: " + stub.length + " bytes");
        byte[] out = stub.clone();
        int at = jumpTarget(Code.BYTES, MULTIBOOT) + 1;
        ByteBuffer.wrap(out, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) address);
        return out;
    }

    /** The prologue's page tables end the code: PML4, PDPT and 4 PDs. */
    public static final int TABLES_SIZE = 6 * 4096;
    /** At most this many moves fit the list the Multiboot prologue reads. */
    public static final int MAX_MOVES = 16;

    /**
     * The stub with a list of copies for its Multiboot prologue (a copy of the bytes): each move
     * {from, to, size} is done with rep movsb before anything else, so a Multiboot ELF can load a
     * segment next to the stub and have it copied to where it belongs (QEMU copies the whole span
     * of the PT_LOADs; far-apart segments make that span large and slow). The list lies at the
     * start of the page-table area, which the prologue builds over it afterwards. Sources and
     * destinations must be disjoint and below 4 GiB.
     */
    public static byte[] withMoves(byte[] stub, List<long[]> moves) {
        if (moves.size() > MAX_MOVES) throw new IllegalArgumentException(moves.size() + " moves");
        if (stub.length < Code.BYTES.length) throw new IllegalArgumentException("not a stub: " + stub.length + " bytes");
        byte[] out = stub.clone();
        ByteBuffer b = ByteBuffer.wrap(out, Code.BYTES.length - TABLES_SIZE, 4 + 12 * MAX_MOVES)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(moves.size());
        for (long[] m : moves) {
            for (long v : m) {
                if (v < 0 || v >= 0x1_0000_0000L) throw new IllegalArgumentException(String.format("move field 0x%x", v));
                b.putInt((int) v);
            }
        }
        return out;
    }

    /**
     * The 32-bit entry of a stub placed at {@code address}: e_entry of the Multiboot ELF, and the
     * PVH entry of handoff.elf (both enter in protected mode with paging off).
     */
    public static long multibootEntry(long address) {
        return address + MULTIBOOT;
    }
}
