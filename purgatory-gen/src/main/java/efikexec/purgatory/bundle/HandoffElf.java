package efikexec.purgatory.bundle;

import efikexec.purgatory.segment.Segment;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * handoff.elf: an ELF64 little-endian executable with one PT_LOAD per segment and one for the
 * stub, entered at the stub. No section headers: loaders only read program headers.
 *
 * <p>Each PT_LOAD has p_paddr = p_vaddr = the target physical address (QEMU's ELF loader,
 * include/hw/elf_ops.h, places by p_paddr), p_filesz = the
 * segment's bufsz, p_memsz = its memsz; QEMU zero-fills memsz beyond filesz (rom_reset, since
 * 6.1) and loads a PT_LOAD whose filesz is 0 as memsz zero bytes, skipping only memsz 0, which
 * never occurs here. Program headers are in address order, as the ELF spec asks of PT_LOADs.
 * p_offset is congruent to p_vaddr modulo p_align (4096), so every segment's data starts on a
 * page of the file and the file could be mapped as is.
 *
 * <p>Flags: segments are RWX, since one segment mixes the kernel's code, its data and the
 * runtime services' code; the stub is R+X (it reads its parameter block and keeps its stack
 * outside its PT_LOAD). Loaders ignore flags; they document the content.
 *
 * <p>QEMU refuses to start when loader images overlap ("Some ROM regions are overlapping"), so
 * overlapping PT_LOADs are refused here, and QEMU counts the PT_LOADs' memsz in an int: a
 * bundle whose memsz totals 2 GiB or more loads with kexec but not with QEMU's loader.
 *
 * <p>An x86 bundle can also carry a PT_NOTE, after the PT_LOADs, holding Xen's
 * XEN_ELFNOTE_PHYS32_ENTRY (the PVH boot protocol): QEMU's {@code -kernel} then loads the
 * PT_LOADs straight into guest RAM and enters the given address in 32-bit protected mode with
 * paging off (hw/i386/x86.c load_elfboot; QEMU's pvh.bin option ROM): the stub's Multiboot
 * prologue. That skips the Multiboot path, which copies the whole span once more through fw_cfg
 * (~0.4 s of a 3.4 s boot for 34 MB under TCG). kexec ignores notes.
 *
 * <p>Same inputs, same bytes: there are no timestamps and padding is zeros.
 */
public final class HandoffElf {
    public static final int EHDR_SIZE = 64;
    public static final int PHDR_SIZE = 56;
    public static final long ALIGN = 4096;
    public static final int PT_LOAD = 1;
    public static final int PT_NOTE = 4;
    /** include/xen/interface/elfnote.h: the 32-bit physical entry of a PVH kernel. */
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** namesz, descsz, type, "Xen\0", the entry as a 64-bit address (QEMU reads 8 bytes for ELF64). */
    static final int PVH_NOTE_SIZE = 12 + 4 + 8;
    public static final int PF_X = 1;
    public static final int PF_W = 2;
    public static final int PF_R = 4;
    public static final int ET_EXEC = 2;
    private static final int MAX_PHNUM = 0xfffe; // 0xffff (PN_XNUM) would mean "see section 0"
    private static final byte[] ZEROS = new byte[(int) ALIGN];

    private final TargetArch arch;
    private final long entry;
    private final List<Load> loads;
    private final long pvhEntry;
    private final long noteOffset;
    private final long fileSize;

    /** One PT_LOAD and where its bytes lie in the file. */
    private record Load(long address, byte[] data, long memsz, int flags, long offset) {
    }

    /**
     * @param segments the kexec segments, not overlapping one another
     * @param stubAddress where the stub lies and where the bundle is entered
     * @param stub the stub's bytes (code and parameter block), not overlapping any segment
     */
    public HandoffElf(TargetArch arch, List<Segment> segments, long stubAddress, byte[] stub) {
        this(arch, segments, stubAddress, stub, -1);
    }

    /**
     * @param pvhEntry the 32-bit protected-mode entry for a PVH note, or -1 for none
     */
    public HandoffElf(TargetArch arch, List<Segment> segments, long stubAddress, byte[] stub, long pvhEntry) {
        if (pvhEntry != -1 && (pvhEntry < stubAddress || pvhEntry >= stubAddress + stub.length || pvhEntry >= 0x1_0000_0000L)) {
            throw new IllegalArgumentException(String.format("PVH entry 0x%x: not inside the stub below 4 GiB", pvhEntry));
        }
        if (stub.length == 0) throw new IllegalArgumentException("empty stub");
        if (stubAddress < 0 || stubAddress > Long.MAX_VALUE - stub.length) {
            throw new IllegalArgumentException(String.format("stub at 0x%x", stubAddress));
        }
        if (segments.size() + 2 > MAX_PHNUM) throw new IllegalArgumentException(segments.size() + " segments");
        List<Load> unplaced = new ArrayList<>();
        for (Segment s : segments) unplaced.add(new Load(s.address(), s.buffer(), s.memsz(), PF_R | PF_W | PF_X, 0));
        unplaced.add(new Load(stubAddress, stub, stub.length, PF_R | PF_X, 0));
        unplaced.sort(Comparator.comparingLong(Load::address));
        for (int i = 1; i < unplaced.size(); i++) {
            Load a = unplaced.get(i - 1);
            Load b = unplaced.get(i);
            if (b.address < a.address + a.memsz) {
                throw new IllegalArgumentException(String.format("[0x%x-0x%x) and [0x%x-0x%x) overlap",
                        a.address, a.address + a.memsz, b.address, b.address + b.memsz));
            }
        }
        List<Load> placed = new ArrayList<>();
        long cursor = EHDR_SIZE + (long) PHDR_SIZE * (unplaced.size() + (pvhEntry == -1 ? 0 : 1));
        this.pvhEntry = pvhEntry;
        this.noteOffset = pvhEntry == -1 ? 0 : cursor; // 8-byte aligned: 64 + 56 n
        if (pvhEntry != -1) cursor += PVH_NOTE_SIZE;
        for (Load l : unplaced) {
            long offset = alignUp(cursor) + (l.address & (ALIGN - 1));
            placed.add(new Load(l.address, l.data, l.memsz, l.flags, offset));
            cursor = offset + l.data.length;
        }
        this.arch = arch;
        this.entry = stubAddress;
        this.loads = List.copyOf(placed);
        this.fileSize = cursor;
    }

    public long fileSize() {
        return fileSize;
    }

    public void writeTo(Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            writeTo(out);
        }
    }

    public void writeTo(OutputStream out) throws IOException {
        int phnum = loads.size() + (pvhEntry == -1 ? 0 : 1);
        ByteBuffer head = ByteBuffer.allocate(EHDR_SIZE + PHDR_SIZE * phnum + (pvhEntry == -1 ? 0 : PVH_NOTE_SIZE))
                .order(ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */,
            0 /* ELFOSABI_NONE */, 0, 0, 0, 0, 0, 0, 0, 0});
        head.putShort((short) ET_EXEC);
        head.putShort((short) arch.elfMachine());
        head.putInt(1); // e_version
        head.putLong(entry);
        head.putLong(EHDR_SIZE); // e_phoff: right after this header
        head.putLong(0); // e_shoff: no section headers
        head.putInt(0); // e_flags
        head.putShort((short) EHDR_SIZE);
        head.putShort((short) PHDR_SIZE);
        head.putShort((short) phnum);
        head.putShort((short) 0); // e_shentsize
        head.putShort((short) 0); // e_shnum
        head.putShort((short) 0); // e_shstrndx: SHN_UNDEF
        for (Load l : loads) {
            head.putInt(PT_LOAD);
            head.putInt(l.flags);
            head.putLong(l.offset);
            head.putLong(l.address); // p_vaddr
            head.putLong(l.address); // p_paddr
            head.putLong(l.data.length);
            head.putLong(l.memsz);
            head.putLong(ALIGN);
        }
        if (pvhEntry != -1) {
            head.putInt(PT_NOTE);
            head.putInt(PF_R);
            head.putLong(noteOffset);
            head.putLong(0); // p_vaddr, p_paddr: a note is not loaded
            head.putLong(0);
            head.putLong(PVH_NOTE_SIZE);
            head.putLong(PVH_NOTE_SIZE);
            head.putLong(4); // p_align: QEMU aligns the name by it
            head.putInt(4).putInt(8).putInt(XEN_ELFNOTE_PHYS32_ENTRY);
            head.put(new byte[] {'X', 'e', 'n', 0});
            head.putLong(pvhEntry);
        }
        out.write(head.array());
        long written = head.capacity();
        for (Load l : loads) {
            written = pad(out, written, l.offset);
            out.write(l.data);
            written += l.data.length;
        }
        out.flush();
    }

    public byte[] toBytes() {
        if (fileSize > Integer.MAX_VALUE - 8) throw new IllegalStateException("0x" + Long.toHexString(fileSize) + " bytes");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) fileSize);
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException("a byte array stream does not fail", e);
        }
        return out.toByteArray();
    }

    private static long pad(OutputStream out, long from, long to) throws IOException {
        for (long n = to - from; n > 0; ) {
            int k = (int) Math.min(n, ZEROS.length);
            out.write(ZEROS, 0, k);
            n -= k;
        }
        return to;
    }

    private static long alignUp(long a) {
        return (a + ALIGN - 1) & -ALIGN;
    }
}
