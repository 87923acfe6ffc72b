package efikexec.pe.reloc;

import static efikexec.pe.FileBytes.u16;
import static efikexec.pe.FileBytes.u32;

import efikexec.model.FormatException;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The base relocation table (data directory 5): blocks of (page RVA u32, block size u32 &ge; 8)
 * followed by 16-bit entries {@code type << 12 | offset}. Supported types: ABSOLUTE (padding,
 * skipped), HIGHLOW (add the low 32 bits of the delta to a u32) and DIR64 (add the delta to a
 * u64); any other type is refused: no Linux or systemd EFI image for arm64 or x86_64 uses one.
 */
public final class BaseRelocations {
    public static final int IMAGE_REL_BASED_ABSOLUTE = 0;
    public static final int IMAGE_REL_BASED_HIGHLOW = 3;
    public static final int IMAGE_REL_BASED_DIR64 = 10;

    private static final String[] TYPE_NAMES = {"ABSOLUTE", "HIGH", "LOW", "HIGHLOW", "HIGHADJ",
        "MIPS_JMPADDR/ARM_MOV32/RISCV_HIGH20", "reserved", "THUMB_MOV32/RISCV_LOW12I", "RISCV_LOW12S",
        "MIPS_JMPADDR16", "DIR64", "type 11", "type 12", "type 13", "type 14", "type 15"};

    private BaseRelocations() {}

    public static String typeName(int type) {
        return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "type " + type;
    }

    /**
     * Reads and checks every block of the image's relocation table from the file; returns the
     * DIR64 and HIGHLOW sites in table order (ABSOLUTE padding entries are left out). An image
     * without a relocation directory has none.
     */
    public static List<BaseRelocation> parse(PeImage image, byte[] file) {
        DataDirectory dir = image.baseRelocationDirectory();
        if (dir.isEmpty()) return List.of();
        long dirEntry = image.dataDirectoryOffset(DataDirectory.BASERELOC);
        OptionalLong at = image.fileOffsetOf(dir.rva(), dir.size());
        if (at.isEmpty()) {
            throw new FormatException("BaseRelocationTable", dirEntry, String.format(
                    "relocation directory 0x%x..0x%x is not inside the file data of one section",
                    dir.rva(), dir.rva() + dir.size()));
        }
        long start = at.getAsLong();
        List<BaseRelocation> out = new ArrayList<>();
        for (long pos = 0; pos < dir.size(); ) {
            long block = start + pos;
            long left = dir.size() - pos;
            if (left < 8) {
                throw new FormatException("relocation block", block, String.format(
                        "only %d bytes left in the relocation directory, a block header needs 8", left));
            }
            long pageRva = u32(file, block, "relocation block");
            long blockSize = u32(file, block + 4, "relocation block");
            if (blockSize < 8) {
                throw new FormatException("relocation block", block, String.format(
                        "block size %d is smaller than its 8-byte header", blockSize));
            }
            if (blockSize > left) {
                throw new FormatException("relocation block", block, String.format(
                        "block size 0x%x runs past the end of the relocation directory (0x%x bytes left)",
                        blockSize, left));
            }
            if ((blockSize & 1) != 0) {
                throw new FormatException("relocation block", block, String.format(
                        "block size %d is odd; entries are 16-bit", blockSize));
            }
            for (long e = block + 8; e < block + blockSize; e += 2) {
                int entry = u16(file, e, "relocation entry");
                int type = entry >>> 12;
                long rva = pageRva + (entry & 0xfff);
                if (type == IMAGE_REL_BASED_ABSOLUTE) continue;
                if (type != IMAGE_REL_BASED_DIR64 && type != IMAGE_REL_BASED_HIGHLOW) {
                    throw new FormatException("relocation type", block, String.format(
                            "relocation block at 0x%x, entry at 0x%x: unsupported relocation type %d (%s)",
                            block, e, type, typeName(type)));
                }
                BaseRelocation r = new BaseRelocation(type, rva, block);
                if (rva + r.width() > image.sizeOfImage()) {
                    throw new FormatException("relocation block", block, String.format(
                            "relocation block at 0x%x, entry at 0x%x: %s site 0x%x is outside the image"
                                    + " (SizeOfImage 0x%x)", block, e, typeName(type), rva, image.sizeOfImage()));
                }
                out.add(r);
            }
            pos += blockSize;
        }
        return List.copyOf(out);
    }

    /** Adds {@code delta} at every site of an image loaded at {@code loadAddress}. */
    public static void apply(List<BaseRelocation> relocations, GuestMemory mem, long loadAddress, long delta) {
        if (delta == 0) return;
        for (BaseRelocation r : relocations) {
            long site = loadAddress + r.rva();
            if (r.type() == IMAGE_REL_BASED_DIR64) {
                mem.writeU64(site, mem.readU64(site) + delta);
            } else {
                mem.writeU32(site, (mem.readU32(site) + delta) & 0xffffffffL);
            }
        }
    }

    /**
     * Parses the image's relocations and applies them to the image already loaded at
     * {@code loadAddress} for delta = loadAddress - ImageBase; returns the sites patched.
     */
    public static List<BaseRelocation> apply(PeImage image, byte[] file, GuestMemory mem, long loadAddress) {
        long delta = loadAddress - image.imageBase();
        if (delta == 0) return List.of();
        List<BaseRelocation> relocations = parse(image, file);
        apply(relocations, mem, loadAddress, delta);
        return relocations;
    }
}
