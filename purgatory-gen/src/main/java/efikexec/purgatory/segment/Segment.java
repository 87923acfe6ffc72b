package efikexec.purgatory.segment;

import efikexec.memmap.MemoryMap;
import java.util.Arrays;

/**
 * One kexec segment (struct kexec_segment): {@code buffer} goes to [address, address + bufsz),
 * and [address + bufsz, address + memsz) is zero-filled by whoever loads it (the kernel's
 * kexec_load, QEMU's ELF loader). The segment's SHA-256 is over the buffer, and the stub checks
 * the zero fill apart, see {@link SegmentDigest}.
 *
 * <p>The buffer is not copied (segments hold tens of MB); nobody may change it afterwards.
 *
 * @param address page aligned target physical address
 * @param buffer the stored bytes; the packer leaves no trailing zero in it
 * @param memsz page aligned size in memory, at least the buffer's length
 */
public record Segment(long address, byte[] buffer, long memsz) {
    public Segment {
        if (buffer == null) throw new IllegalArgumentException("no buffer");
        if (address < 0 || (address & (MemoryMap.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("segment address 0x%x is not a page", address));
        }
        if (memsz <= 0 || (memsz & (MemoryMap.PAGE_SIZE - 1)) != 0 || memsz > Long.MAX_VALUE - address) {
            throw new IllegalArgumentException(String.format("segment at 0x%x: memsz 0x%x is not whole pages below 2^63",
                    address, memsz));
        }
        if (buffer.length > memsz) {
            throw new IllegalArgumentException(String.format("segment at 0x%x: bufsz 0x%x exceeds memsz 0x%x",
                    address, buffer.length, memsz));
        }
    }

    public int bufsz() {
        return buffer.length;
    }

    public long end() {
        return address + memsz;
    }

    public boolean overlaps(long start, long end) {
        return start < end() && address < end;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segment s && s.address == address && s.memsz == memsz && Arrays.equals(s.buffer, buffer);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(address) * 31 + Long.hashCode(memsz)) * 31 + Arrays.hashCode(buffer);
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x) bufsz 0x%x", address, end(), buffer.length);
    }
}
