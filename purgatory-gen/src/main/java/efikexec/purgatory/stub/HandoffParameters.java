package efikexec.purgatory.stub;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a handoff stub is told: the console to report a mismatch on, how to enter the kernel and
 * which segments to check first.
 *
 * @param uart the console's base address (arm64: a PL011, e.g. 0x09000000 on QEMU virt), 0 for none:
 *     a mismatch then halts silently
 * @param entry the kernel's entry pc
 * @param registers the registers at kernel entry (arm64: x0..x3, x0 = FDT), copied
 * @param segments the segments to check, in order (the first mismatch is reported); may be empty
 */
public record HandoffParameters(long uart, long entry, long[] registers, List<SegmentCheck> segments) {
    public static final int REGISTERS = 4;
    /** "EFXHNDOF" as a little-endian u64: the block's first field, which the stubs check. */
    public static final long MAGIC = 0x464f444e48584645L;
    /** magic, uart, entry, four registers, count. */
    public static final int BLOCK_HEADER_SIZE = 8 * 8;
    /** One segment: u64 address, u64 size, u64 zeros, 32 bytes of SHA-256. */
    public static final int BLOCK_SEGMENT_SIZE = 24 + SegmentCheck.SHA256_SIZE;

    public HandoffParameters {
        if (registers == null || registers.length != REGISTERS) {
            throw new IllegalArgumentException("entry registers must be x0..x3, got "
                    + (registers == null ? "none" : registers.length + " values"));
        }
        if (segments == null || segments.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("no segment list, or one with gaps");
        }
        // the stub reads the UART's 32-bit registers and branches to entry: both word aligned
        if ((uart & 3) != 0) throw new IllegalArgumentException(String.format("UART base 0x%x is not word aligned", uart));
        if ((entry & 3) != 0) throw new IllegalArgumentException(String.format("entry 0x%x is not word aligned", entry));
        registers = registers.clone();
        segments = List.copyOf(segments);
    }

    @Override
    public long[] registers() {
        return registers.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandoffParameters p && p.uart == uart && p.entry == entry
                && Arrays.equals(p.registers, registers) && p.segments.equals(segments);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(uart) * 31 + Long.hashCode(entry)) * 31 + Arrays.hashCode(registers)) * 31
                + segments.hashCode();
    }

    @Override
    public String toString() {
        return String.format("uart 0x%x, entry 0x%x, registers %s, %d segments", uart, entry,
                Arrays.toString(registers), segments.size());
    }

    /** The parameter block both stubs read (little endian), as the .S files lay it out. */
    public byte[] block() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(BLOCK_HEADER_SIZE + BLOCK_SEGMENT_SIZE * segments.size())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC).putLong(uart).putLong(entry);
        for (long r : registers) b.putLong(r);
        b.putLong(segments.size());
        for (SegmentCheck s : segments) b.putLong(s.address()).putLong(s.size()).putLong(s.zeros()).put(s.sha256());
        return b.array();
    }

    /** A stub's code with this block right after it: the bytes to load. */
    byte[] after(byte[] code) {
        byte[] block = block();
        byte[] out = java.util.Arrays.copyOf(code, code.length + block.length);
        System.arraycopy(block, 0, out, code.length, block.length);
        return out;
    }
}
