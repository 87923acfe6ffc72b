package efikexec.pe.linux;

import static efikexec.pe.FileBytes.u32;
import static efikexec.pe.FileBytes.u64;

import efikexec.model.FormatException;
import efikexec.pe.FileBytes;

/**
 * The 64-byte arm64 Image header (Documentation/arch/arm64/booting.rst), checked the way the
 * kernel's own kexec_file loader (arch/arm64/kernel/kexec_image.c) and booting.rst require.
 * With an EFI stub, code0 doubles as the "MZ" magic and code1 is {@code b primary_entry}.
 */
public record Arm64ImageHeader(long code0, long code1, long textOffset, long imageSize, long flags,
        long res2, long res3, long res4, long magic, long res5) {

    public static final int SIZE = 64;
    /** "ARM\x64", little-endian, at 0x38. */
    public static final long MAGIC = 0x644d5241L;
    /** booting.rst: the Image is placed text_offset bytes from a 2 MiB aligned base. */
    public static final long TEXT_OFFSET_LIMIT = 2L << 20;

    public static final int OFF_CODE0 = 0x00;
    public static final int OFF_CODE1 = 0x04;
    public static final int OFF_TEXT_OFFSET = 0x08;
    public static final int OFF_IMAGE_SIZE = 0x10;
    public static final int OFF_FLAGS = 0x18;
    public static final int OFF_MAGIC = 0x38;
    public static final int OFF_RES5 = 0x3c;

    static final long FLAG_BE = 1;
    static final int PAGE_SIZE_SHIFT = 1;
    static final long FLAG_PHYS_BASE = 1 << 3;

    /** Checks every rule; the canonical constructor cannot make an invalid header. */
    public Arm64ImageHeader {
        if (magic != MAGIC) {
            throw new FormatException("magic", OFF_MAGIC, String.format(
                    "arm64 Image magic is 0x%08x, expected 0x%08x (\"ARM\\x64\")", magic, MAGIC));
        }
        if ((flags & FLAG_BE) != 0) {
            throw new FormatException("flags", OFF_FLAGS, String.format(
                    "big-endian kernel (flags 0x%x, bit 0 set); efikexec runs little-endian kernels", flags));
        }
        if (imageSize == 0) {
            throw new FormatException("image_size", OFF_IMAGE_SIZE,
                    "image_size is 0: a kernel older than 3.17, whose header cannot be trusted; not supported");
        }
        if (imageSize < SIZE) {
            throw new FormatException("image_size", OFF_IMAGE_SIZE, String.format(
                    "image_size 0x%x is smaller than the 64-byte header", imageSize));
        }
        if (Long.compareUnsigned(textOffset, TEXT_OFFSET_LIMIT) >= 0) {
            throw new FormatException("text_offset", OFF_TEXT_OFFSET, String.format(
                    "text_offset 0x%x is not below 2 MiB: the Image is placed text_offset bytes from a"
                            + " 2 MiB aligned base", textOffset));
        }
        if ((code1 & 0xfc000000L) != 0x14000000L) {
            throw new FormatException("code1", OFF_CODE1, String.format(
                    "code1 0x%08x is not a B instruction (b primary_entry)", code1));
        }
        long target = branchTarget(code1, OFF_CODE1);
        if (target < SIZE || Long.compareUnsigned(target, imageSize) >= 0) {
            throw new FormatException("code1", OFF_CODE1, String.format(
                    "code1 branches to Image+0x%x, outside the image (image_size 0x%x)", target, imageSize));
        }
    }

    /** Parses and checks the header at the start of {@code file}. */
    public static Arm64ImageHeader parse(byte[] file) {
        FileBytes.require(file, 0, SIZE, "arm64 Image header", "64-byte arm64 Image header");
        return new Arm64ImageHeader(u32(file, OFF_CODE0, "code0"), u32(file, OFF_CODE1, "code1"),
                u64(file, OFF_TEXT_OFFSET, "text_offset"), u64(file, OFF_IMAGE_SIZE, "image_size"),
                u64(file, OFF_FLAGS, "flags"), u64(file, 0x20, "res2"), u64(file, 0x28, "res3"),
                u64(file, 0x30, "res4"), u32(file, OFF_MAGIC, "magic"), u32(file, OFF_RES5, "res5"));
    }

    /** Quick check: the file holds a whole 64-byte header with the "ARM\x64" magic at 0x38. */
    public static boolean isArm64Image(byte[] file) {
        return file.length >= SIZE && FileBytes.startsWithAt(file, OFF_MAGIC, (byte) 'A', (byte) 'R', (byte) 'M', (byte) 0x64);
    }

    /** The Image offset of the kernel's primary_entry: the target of the {@code b} in code1. */
    public long primaryEntryOffset() {
        return branchTarget(code1, OFF_CODE1);
    }

    /** flags bits 1-2: 0 unspecified, 1 4K, 2 16K, 3 64K. */
    public int pageSizeField() {
        return (int) (flags >>> PAGE_SIZE_SHIFT) & 3;
    }

    /** The kernel's page size in bytes (4096, 16384, 65536), or 0 if the header leaves it unspecified. */
    public int pageSize() {
        return switch (pageSizeField()) {
            case 1 -> 4096;
            case 2 -> 16384;
            case 3 -> 65536;
            default -> 0;
        };
    }

    /** flags bit 3: the 2 MiB aligned base may be anywhere in physical memory. */
    public boolean physicalPlacementAnywhere() {
        return (flags & FLAG_PHYS_BASE) != 0;
    }

    /** Always false for a parsed header (big-endian kernels are refused). */
    public boolean bigEndian() {
        return (flags & FLAG_BE) != 0;
    }

    /** res5: file offset of the PE header when the kernel has an EFI stub. */
    public long peHeaderOffset() {
        return res5;
    }

    /** Target, as an offset from the Image start, of a B instruction at {@code at}. */
    private static long branchTarget(long insn, long at) {
        long imm26 = insn & 0x3ffffffL;
        long signed = (imm26 << 38) >> 38;
        return at + signed * 4;
    }
}
