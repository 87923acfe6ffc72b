package efikexec.kexec.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.bundle.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle directory: handoff.elf's PT_LOADs (what kexec_load gets: every segment and the stub)
 * and entry, and manifest.json's arch and target memory map. The ELF is mapped, not read: its
 * pages are what kexec_load copies from ({@link #elf()}).
 *
 * <p>The ELF64 reading is hand-written: it is the header and the program headers of a file we
 * write ourselves (about 40 lines), and no maintained Java ELF library is on Maven Central.
 *
 * @param arch "aarch64" or "x86_64"
 * @param entry e_entry: the stub's address, where kexec starts
 * @param loads the PT_LOADs in file order
 * @param target the memory map the bundle was made for, or null when the manifest has none
 * @param elf handoff.elf, mapped read-only
 * @param elfPath its path, for messages
 */
public record HandoffBundle(String arch, long entry, List<LoadSegment> loads, TargetMemory target, ByteBuffer elf,
        Path elfPath) {
    public static final String ELF = "handoff.elf";
    public static final String MANIFEST = "manifest.json";
    static final int PT_LOAD = 1;
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;

    public HandoffBundle {
        loads = List.copyOf(loads);
    }

    /** Whether a directory looks like a bundle (it has handoff.elf). */
    public static boolean isBundle(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(ELF));
    }

    public static HandoffBundle read(Path dir) {
        Path elfPath = dir.resolve(ELF);
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(elfPath, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            throw new BundleFormatException(elfPath + ": no such file: expected a directory written by efikexec handoff");
        } catch (IOException e) {
            throw new BundleFormatException(elfPath + ": cannot read: " + e.getMessage());
        }
        if (elf.capacity() < 64 || elf.getInt(0) != 0x464c457f) {
            throw new BundleFormatException(elfPath + ": offset 0: not an ELF file (no \\x7fELF magic)");
        }
        if (elf.get(4) != 2 || elf.get(5) != 1) {
            throw new BundleFormatException(elfPath + ": offset 4: expected a 64-bit little-endian ELF (ELFCLASS64, ELFDATA2LSB)");
        }
        int machine = elf.getShort(18) & 0xffff;
        String arch = switch (machine) {
            case EM_X86_64 -> "x86_64";
            case EM_AARCH64 -> "aarch64";
            default -> throw new BundleFormatException(elfPath + ": offset 18: e_machine " + machine
                    + " is neither EM_X86_64 (62) nor EM_AARCH64 (183)");
        };
        long entry = elf.getLong(24);
        long phoff = elf.getLong(32);
        int phentsize = elf.getShort(54) & 0xffff;
        int phnum = elf.getShort(56) & 0xffff;
        if (phentsize != 56) throw new BundleFormatException(elfPath + ": offset 54: e_phentsize " + phentsize + ", expected 56");
        if (phoff < 64 || phoff + (long) phnum * 56 > elf.capacity()) {
            throw new BundleFormatException(String.format("%s: offset 32: program headers at 0x%x (%d of them) lie outside the "
                    + "%d-byte file", elfPath, phoff, phnum, elf.capacity()));
        }
        List<LoadSegment> loads = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) phoff + 56 * i;
            if (elf.getInt(at) != PT_LOAD) continue;
            long offset = elf.getLong(at + 8);
            long paddr = elf.getLong(at + 24);
            long filesz = elf.getLong(at + 32);
            long memsz = elf.getLong(at + 40);
            if (offset < 0 || filesz < 0 || offset + filesz > elf.capacity() || offset + filesz < offset) {
                throw new BundleFormatException(String.format("%s: offset 0x%x: PT_LOAD %d's bytes [0x%x, +0x%x) lie outside "
                        + "the %d-byte file", elfPath, at + 8, i, offset, filesz, elf.capacity()));
            }
            if (Long.compareUnsigned(filesz, memsz) > 0) {
                throw new BundleFormatException(String.format("%s: offset 0x%x: PT_LOAD %d stores 0x%x bytes, more than its "
                        + "memsz 0x%x", elfPath, at + 32, i, filesz, memsz));
            }
            loads.add(new LoadSegment(paddr, memsz, offset, filesz));
        }
        if (loads.isEmpty()) throw new BundleFormatException(elfPath + ": no PT_LOAD: nothing to load");
        TargetMemory target = readTarget(dir.resolve(MANIFEST), arch);
        return new HandoffBundle(arch, entry, loads, target, elf, elfPath);
    }

    /** The manifest's target section; null when the manifest predates it. Its arch must be the ELF's. */
    private static TargetMemory readTarget(Path manifest, String arch) {
        JsonNode m;
        try {
            m = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new BundleFormatException(manifest + ": " + (Files.exists(manifest) ? "not JSON: " + e.getMessage().lines()
                    .findFirst().orElse("") : "no such file: expected the manifest beside " + ELF));
        }
        if (!Manifest.SCHEMA.equals(m.path("schema").asText())) {
            throw new BundleFormatException(manifest + ": field schema: \"" + m.path("schema").asText() + "\", expected \""
                    + Manifest.SCHEMA + "\"");
        }
        if (!arch.equals(m.path("arch").asText())) {
            throw new BundleFormatException(manifest + ": field arch: \"" + m.path("arch").asText() + "\" but " + ELF
                    + " is " + arch);
        }
        JsonNode t = m.get("target");
        if (t == null) return null;
        return new TargetMemory(ranges(manifest, t, "ram"), ranges(manifest, t, "reserved"));
    }

    private static List<PhysicalRange> ranges(Path manifest, JsonNode target, String name) {
        List<PhysicalRange> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : target.path(name)) {
            long start = hex(manifest, r.path("start"), "target." + name + "[" + i + "].start");
            long end = hex(manifest, r.path("end"), "target." + name + "[" + i + "].end");
            if (Long.compareUnsigned(end, start) < 0) {
                throw new BundleFormatException(manifest + ": field target." + name + "[" + i + "]: end before start");
            }
            out.add(new PhysicalRange(start, end - start));
            i++;
        }
        return out;
    }

    private static long hex(Path manifest, JsonNode n, String field) {
        String s = n.asText();
        try {
            if (!s.startsWith("0x")) throw new NumberFormatException();
            return Long.parseUnsignedLong(s.substring(2), 16);
        } catch (NumberFormatException e) {
            throw new BundleFormatException(manifest + ": field " + field + ": \"" + s + "\", expected \"0x…\" hexadecimal");
        }
    }
}
