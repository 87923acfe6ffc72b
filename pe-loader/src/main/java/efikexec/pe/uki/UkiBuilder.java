package efikexec.pe.uki;

import efikexec.model.FormatException;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.write.PeWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a UKI as ukify (systemd 257) does: the stub's bytes are kept, its section table gains
 * one header per part, the parts are appended to the file in ukify's order (.osrel, .cmdline,
 * .dtb, .uname, .initrd, .sbat, .linux), each at the next FileAlignment offset and the next
 * SectionAlignment RVA after the stub's last section. Editing the stub in place rather than
 * rewriting it keeps every stub field (data directories, .reloc, gnu-efi's .dynamic/.rela) that
 * the stub's own startup code relies on. The stub's SBAT lines and the kernel's are merged into
 * one .sbat, which replaces the stub's own section when it has one.
 *
 * <p>Same inputs, same bytes: nothing here depends on time or the machine.
 */
public final class UkiBuilder {
    private static final int SECTION_HEADER_SIZE = 40;

    private final byte[] stub;
    private final byte[] linux;
    private final List<byte[]> initrds = new ArrayList<>();
    private byte[] cmdline;
    private byte[] osRelease;
    private byte[] uname;
    private byte[] dtb;
    private final List<String> warnings = new ArrayList<>();

    /** @param stub a systemd-stub PE; @param linux the kernel: a PE of the same machine */
    public UkiBuilder(byte[] stub, byte[] linux) {
        this.stub = stub;
        this.linux = linux;
    }

    /**
     * An addon instead of a UKI, from systemd's addon stub (addonaa64.efi.stub, addonx64.efi.stub):
     * systemd-stub 254+ loads it from the ESP and takes its .cmdline (or .dtb, .initrd), so it
     * carries no kernel. The stub's own .sbat is kept as it is: with no kernel there is nothing to merge.
     */
    public static UkiBuilder addon(byte[] stub) {
        return new UkiBuilder(stub, null);
    }

    public UkiBuilder initrd(byte[] initrd) {
        initrds.add(initrd);
        return this;
    }

    public UkiBuilder cmdline(String text) {
        this.cmdline = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public UkiBuilder osRelease(byte[] text) {
        this.osRelease = text;
        return this;
    }

    public UkiBuilder uname(String text) {
        this.uname = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public UkiBuilder dtb(byte[] blob) {
        this.dtb = blob;
        return this;
    }

    /** One profile of a multi-profile UKI: its .profile text and the sections it overrides. */
    public record Profile(String profile, String cmdline) {}

    private final List<Profile> profiles = new ArrayList<>();

    /**
     * Adds a profile (systemd-stub 257+): after the base sections and the kernel, a .profile
     * section with this text ("ID=rescue\nTITLE=…") followed by the profile's own .cmdline, as
     * ukify --join-profile lays them out. Profiles are numbered from 0 in the order added; the
     * stub picks one by "@N" at the start of its LoadOptions.
     */
    public UkiBuilder profile(String profileText, String profileCmdline) {
        profiles.add(new Profile(profileText, profileCmdline));
        return this;
    }

    /** What {@link #build()} did differently from ukify, and why; empty when nothing. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** A part of the UKI, as it will be added. */
    private record Part(String name, byte[] data) {}

    /**
     * The UKI's bytes. Problems with the stub are {@link FormatException}s whose field names "stub"
     * and problems with the kernel name "linux".
     */
    public byte[] build() {
        PeImage stubPe = parse(stub, "stub");
        PeImage linuxPe = linux == null ? null : parse(linux, "linux");
        if (linuxPe != null && linuxPe.machine() != stubPe.machine()) {
            throw new FormatException("linux: Machine", linuxPe.coffHeaderOffset(), String.format(
                    "the kernel is for %s, the stub for %s", linuxPe.arch(), stubPe.arch()));
        }
        if (!stubPe.securityDirectory().isEmpty()) {
            // As ukify: a signature over the stub alone means nothing once sections are added.
            throw new FormatException("stub: Certificate Table", stubPe.dataDirectoryOffset(DataDirectory.SECURITY),
                    "the stub is signed; give an unsigned stub (sign the UKI afterwards)");
        }
        if (stubPe.section(".linux").isPresent()) {
            throw new FormatException("stub: sections", stubPe.sectionTableOffset(), "the stub already has a .linux section (is it a UKI?)");
        }

        List<Part> parts = new ArrayList<>();
        add(parts, ".osrel", osRelease);
        add(parts, ".cmdline", cmdline);
        add(parts, ".dtb", dtb);
        add(parts, ".uname", uname);
        add(parts, ".initrd", joinInitrds());
        if (linuxPe != null) {
            parts.add(new Part(".sbat", Sbat.merge(List.of(Sbat.componentLines(stubPe, stub),
                    Sbat.componentLines(linuxPe, linux)))));
            parts.add(new Part(".linux", linux));
        }
        for (Profile pr : profiles) {
            parts.add(new Part(".profile", pr.profile().getBytes(StandardCharsets.UTF_8)));
            if (pr.cmdline() != null) parts.add(new Part(".cmdline", pr.cmdline().getBytes(StandardCharsets.UTF_8)));
        }

        Image img = new Image(stripSymbolTable(stubPe, stub), stubPe);
        img.alignSectionData();
        for (Part p : parts) img.add(p, warnings);
        img.finish();
        byte[] out = img.bytes();
        parse(out, "uki"); // what a loader would refuse must not be written
        return out;
    }

    private static void add(List<Part> parts, String name, byte[] data) {
        if (data != null && data.length > 0) parts.add(new Part(name, data));
    }

    /** Several initrds are concatenated, each padded to 4 bytes, as ukify joins them. */
    private byte[] joinInitrds() {
        if (initrds.isEmpty()) return null;
        if (initrds.size() == 1) return initrds.get(0);
        int total = 0;
        for (byte[] i : initrds) total += (i.length + 3) & ~3;
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] i : initrds) {
            System.arraycopy(i, 0, out, at, i.length);
            at += (i.length + 3) & ~3;
        }
        return out;
    }

    private static PeImage parse(byte[] file, String what) {
        try {
            return PeParser.parse(file);
        } catch (FormatException e) {
            throw new FormatException(what + ": " + e.field(), e.offset(), e.getMessage());
        }
    }

    /**
     * Old stubs keep a COFF symbol table at the end of the file, which an image should not have
     * and which would sit between the stub and the new sections: cut it, as ukify does, when it
     * is the file's tail.
     */
    private static byte[] stripSymbolTable(PeImage pe, byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int coff = (int) pe.coffHeaderOffset();
        long table = b.getInt(coff + 8) & 0xffffffffL;
        long symbols = b.getInt(coff + 12) & 0xffffffffL;
        if (table == 0) return file.clone();
        long size = 18 * symbols;
        if (table + size + 4 <= file.length) size += b.getInt((int) (table + size)) & 0xffffffffL;
        if (table + size != file.length) return file.clone();
        byte[] out = Arrays.copyOf(file, (int) table);
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(coff + 8, 0);
        o.putInt(coff + 12, 0);
        o.putShort(coff + 18, (short) (o.getShort(coff + 18) | 0x8)); // LOCAL_SYMS_STRIPPED
        return out;
    }

    /** The stub being edited: its bytes and the header fields that change. */
    private static final class Image {
        private byte[] file;
        private int length;
        private final int sectionTable;
        private final int optional;
        private final int coff;
        private final long fileAlignment;
        private final long sectionAlignment;
        private int sections;

        Image(byte[] file, PeImage pe) {
            this.file = file;
            this.length = file.length;
            this.sectionTable = (int) pe.sectionTableOffset();
            this.optional = (int) pe.optionalHeaderOffset();
            this.coff = (int) pe.coffHeaderOffset();
            this.fileAlignment = pe.fileAlignment();
            this.sectionAlignment = pe.sectionAlignment();
            this.sections = pe.sections().size();
        }

        private ByteBuffer buf() {
            return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        }

        private long u32(int at) {
            return buf().getInt(at) & 0xffffffffL;
        }

        private void put32(int at, long v) {
            buf().putInt(at, (int) v);
        }

        private int header(int i) {
            return sectionTable + SECTION_HEADER_SIZE * i;
        }

        /** Inserts {@code count} zero bytes at {@code at}. */
        private void insert(int at, int count) {
            if (count == 0) return;
            byte[] n = new byte[Math.max(file.length, length + count)];
            System.arraycopy(file, 0, n, 0, at);
            System.arraycopy(file, at, n, at + count, length - at);
            file = n;
            length += count;
        }

        private void ensure(int size) {
            if (size > file.length) file = Arrays.copyOf(file, Math.max(size, file.length * 2));
        }

        /**
         * Stripped stubs may have section data at unaligned file offsets: pad each to
         * FileAlignment, moving what follows, so that appended sections line up (ukify does the same).
         */
        void alignSectionData() {
            for (int i = 0; i < sections; i++) {
                int h = header(i);
                long ptr = u32(h + 20), size = u32(h + 16);
                if (ptr == 0) continue; // no file bytes
                long newPtr = roundUp(ptr, fileAlignment), newSize = roundUp(size, fileAlignment);
                int padPtr = (int) (newPtr - ptr), padSize = (int) (newSize - size);
                if (padPtr == 0 && padSize == 0) continue;
                insert((int) Math.min(ptr + size, length), padSize);
                insert((int) ptr, padPtr);
                put32(h + 20, newPtr);
                put32(h + 16, newSize);
                for (int j = i + 1; j < sections; j++) {
                    int l = header(j);
                    if (u32(l + 20) != 0) put32(l + 20, u32(l + 20) + padPtr + padSize);
                }
            }
            long headers = u32(optional + 60);
            put32(optional + 60, roundUp(headers, fileAlignment));
        }

        void add(Part p, List<String> warnings) {
            long rawSize = roundUp(p.data.length, fileAlignment);
            for (int i = 0; i < sections; i++) {
                int h = header(i);
                // Only .sbat merges into the stub's own; a profile's .cmdline is a section of its own.
                if (!p.name.equals(".sbat") || !name(h).equals(p.name)) continue;
                long oldRaw = u32(h + 16);
                long room = oldRaw;
                for (int j = 0; j < sections; j++) {
                    long va = u32(header(j) + 12);
                    if (va > u32(h + 12)) room = Math.min(room, va - u32(h + 12));
                }
                if (p.data.length > room) {
                    // ukify would write it anyway and overlap the next section (systemd 252's x86
                    // stub has .sdmagic 0x100 after .sbat): keep the stub's own lines instead.
                    warnings.add(String.format("the merged %s (0x%x bytes) does not fit the stub's own (room for 0x%x"
                            + " bytes before the next section): the stub's %s is kept as it is", p.name, p.data.length, room, p.name));
                    return;
                }
                int ptr = (int) u32(h + 20);
                Arrays.fill(file, ptr, (int) (ptr + oldRaw), (byte) 0);
                System.arraycopy(p.data, 0, file, ptr, p.data.length);
                put32(h + 8, p.data.length);
                return;
            }
            int h = header(sections);
            long sizeOfHeaders = u32(optional + 60);
            if (h + SECTION_HEADER_SIZE > sizeOfHeaders) {
                throw new FormatException("stub: SizeOfHeaders", optional + 60, String.format(
                        "no room for the %s section header at 0x%x (headers end at 0x%x)", p.name, h, sizeOfHeaders));
            }
            // What lies there is header padding (gnu-efi's arm64 stubs fill it with NOPs that
            // never run): ukify overwrites it too. Section bytes must not be there.
            for (int i = 0; i < sections; i++) {
                long raw = u32(header(i) + 20);
                if (raw != 0 && raw < h + SECTION_HEADER_SIZE) {
                    throw new FormatException("stub: section table", h, String.format(
                            "no room for the %s section header at 0x%x: section data starts at 0x%x", p.name, h, raw));
                }
            }
            int last = header(sections - 1);
            long rva = roundUp(u32(last + 12) + u32(last + 8), sectionAlignment);
            long ptr = roundUp(length, fileAlignment);
            ensure((int) (ptr + rawSize));
            Arrays.fill(file, length, (int) (ptr + rawSize), (byte) 0);
            System.arraycopy(p.data, 0, file, (int) ptr, p.data.length);
            length = (int) (ptr + rawSize);

            Arrays.fill(file, h, h + SECTION_HEADER_SIZE, (byte) 0);
            byte[] n = p.name.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, file, h, n.length);
            put32(h + 8, p.data.length);
            put32(h + 12, rva);
            put32(h + 16, rawSize);
            put32(h + 20, ptr);
            // .linux as code: x86 stubs may run an old kernel's EFI handover entry inside it.
            int flags = PeSection.IMAGE_SCN_MEM_READ
                    | (p.name.equals(".linux") ? PeSection.IMAGE_SCN_CNT_CODE : PeSection.IMAGE_SCN_CNT_INITIALIZED_DATA);
            put32(h + 36, flags & 0xffffffffL);
            sections++;
            buf().putShort(coff + 2, (short) sections);
            put32(optional + 8, u32(optional + 8) + p.data.length); // SizeOfInitializedData, as ukify counts it
        }

        void finish() {
            int last = header(sections - 1);
            put32(optional + 56, roundUp(u32(last + 12) + u32(last + 8), sectionAlignment));
            file = Arrays.copyOf(file, length);
            put32(optional + 64, PeWriter.checksum(file, optional + 64));
        }

        private String name(int h) {
            int n = 0;
            while (n < 8 && file[h + n] != 0) n++;
            return new String(file, h, n, StandardCharsets.US_ASCII);
        }

        byte[] bytes() {
            return file;
        }
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
