package efikexec.purgatory.bundle;

import efikexec.purgatory.segment.Segment;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * handoff-multiboot.elf: the x86 bundle wrapped so that QEMU's {@code -kernel} starts it with no
 * firmware of ours (issue 6): an ELF32 little-endian executable, e_machine EM_386 (QEMU's Multiboot
 * loader refuses EM_X86_64, hw/i386/multiboot.c), with a Multiboot v1 header right after the
 * program headers (QEMU looks for it in the first 8 KiB of the file) and the same PT_LOADs as
 * handoff.elf: one per segment and one for the stub. e_entry is the stub's 32-bit prologue, which
 * QEMU enters in protected mode with paging off.
 *
 * <p>The header's flags are 0: no a.out kludge (bit 16), so QEMU loads the ELF by its program
 * headers; no memory info or module alignment asked for (the kernel gets its memory map from
 * boot_params, not from Multiboot).
 *
 * <p>QEMU copies the whole span from the lowest to the highest PT_LOAD as one blob (gaps become
 * zeros) and writes its own strings in the {@link #INFO_SIZE} bytes after it: {@link #span()}
 * tells the caller what must be RAM that nothing else needs. Same inputs, same bytes.
 */
public final class MultibootElf32 {
    public static final int EHDR_SIZE = 52;
    public static final int PHDR_SIZE = 32;
    public static final int EM_386 = 3;
    public static final int MULTIBOOT_MAGIC = 0x1badb002;
    public static final int MULTIBOOT_HEADER_SIZE = 12;
    /** QEMU finds the Multiboot header only within the file's first 8 KiB. */
    public static final int MULTIBOOT_SEARCH = 8192;
    /** What QEMU writes after the span (command line, boot loader name): one page is plenty. */
    public static final long INFO_SIZE = 4096;
    private static final long ALIGN = HandoffElf.ALIGN;
    private static final long LIMIT = 0x1_0000_0000L;

    private final long entry;
    private final List<Load> loads;
    private final int headerAt;
    private final long fileSize;

    private record Load(long address, byte[] data, long memsz, int flags, long offset) {
    }

    /**
     * @param segments the kexec segments, not overlapping one another, all below 4 GiB
     * @param stubAddress where the stub lies
     * @param stub the stub's bytes with its load address written in (X64HandoffStub.located)
     * @param entry the stub's 32-bit entry (X64HandoffStub.multibootEntry)
     */
    public MultibootElf32(List<Segment> segments, long stubAddress, byte[] stub, long entry) {
        if (stub.length == 0) throw new IllegalArgumentException("empty stub");
        List<Load> unplaced = new ArrayList<>();
        for (Segment s : segments) {
            unplaced.add(new Load(s.address(), s.buffer(), s.memsz(), HandoffElf.PF_R | HandoffElf.PF_W | HandoffElf.PF_X, 0));
        }
        unplaced.add(new Load(stubAddress, stub, stub.length, HandoffElf.PF_R | HandoffElf.PF_W | HandoffElf.PF_X, 0));
        unplaced.sort(Comparator.comparingLong(Load::address));
        for (Load l : unplaced) {
            if (l.address < 0 || l.address + l.memsz + INFO_SIZE > LIMIT) {
                throw new IllegalArgumentException(String.format(
                        "[0x%x-0x%x) is not below 4 GiB: a Multiboot ELF32 cannot place it", l.address, l.address + l.memsz));
            }
        }
        for (int i = 1; i < unplaced.size(); i++) {
            Load a = unplaced.get(i - 1);
            Load b = unplaced.get(i);
            if (b.address < a.address + a.memsz) {
                throw new IllegalArgumentException(String.format("[0x%x-0x%x) and [0x%x-0x%x) overlap",
                        a.address, a.address + a.memsz, b.address, b.address + b.memsz));
            }
        }
        if (entry < stubAddress || entry >= stubAddress + stub.length) {
            throw new IllegalArgumentException(String.format("entry 0x%x is outside the stub", entry));
        }
        this.headerAt = EHDR_SIZE + PHDR_SIZE * unplaced.size();
        if (headerAt + MULTIBOOT_HEADER_SIZE > MULTIBOOT_SEARCH) {
            throw new IllegalArgumentException(unplaced.size() + " PT_LOADs push the Multiboot header past 8 KiB");
        }
        List<Load> placed = new ArrayList<>();
        long cursor = headerAt + MULTIBOOT_HEADER_SIZE;
        for (Load l : unplaced) {
            long offset = alignUp(cursor) + (l.address & (ALIGN - 1));
            placed.add(new Load(l.address, l.data, l.memsz, l.flags, offset));
            cursor = offset + l.data.length;
        }
        this.entry = entry;
        this.loads = List.copyOf(placed);
        this.fileSize = cursor;
    }

    /** [lowest PT_LOAD, end of the highest + INFO_SIZE): what QEMU writes; must be free RAM but for the loads. */
    public long[] span() {
        Load last = loads.get(loads.size() - 1);
        return new long[] {loads.get(0).address, alignUp(last.address + last.memsz) + INFO_SIZE};
    }

    public long entry() {
        return entry;
    }

    public byte[] toBytes() {
        if (fileSize > Integer.MAX_VALUE - 8) throw new IllegalStateException("0x" + Long.toHexString(fileSize) + " bytes");
        ByteBuffer head = ByteBuffer.allocate(headerAt + MULTIBOOT_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {0x7f, 'E', 'L', 'F', 1 /* ELFCLASS32 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */,
            0 /* ELFOSABI_NONE */, 0, 0, 0, 0, 0, 0, 0, 0});
        head.putShort((short) HandoffElf.ET_EXEC);
        head.putShort((short) EM_386);
        head.putInt(1); // e_version
        head.putInt((int) entry);
        head.putInt(EHDR_SIZE); // e_phoff
        head.putInt(0); // e_shoff: no section headers
        head.putInt(0); // e_flags
        head.putShort((short) EHDR_SIZE);
        head.putShort((short) PHDR_SIZE);
        head.putShort((short) loads.size());
        head.putShort((short) 0); // e_shentsize
        head.putShort((short) 0); // e_shnum
        head.putShort((short) 0); // e_shstrndx
        for (Load l : loads) {
            head.putInt(HandoffElf.PT_LOAD);
            head.putInt((int) l.offset);
            head.putInt((int) l.address); // p_vaddr
            head.putInt((int) l.address); // p_paddr: what QEMU's ELF loader places by
            head.putInt(l.data.length);
            head.putInt((int) l.memsz);
            head.putInt(l.flags);
            head.putInt((int) ALIGN);
        }
        int flags = 0;
        head.putInt(MULTIBOOT_MAGIC).putInt(flags).putInt(-(MULTIBOOT_MAGIC + flags));
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) fileSize);
        out.writeBytes(head.array());
        long written = head.capacity();
        for (Load l : loads) {
            out.writeBytes(new byte[(int) (l.offset - written)]);
            out.writeBytes(l.data);
            written = l.offset + l.data.length;
        }
        return out.toByteArray();
    }

    private static long alignUp(long a) {
        return (a + ALIGN - 1) & -ALIGN;
    }
}
