package efikexec.pe;

import efikexec.model.FormatException;
import java.nio.charset.StandardCharsets;

/**
 * Recognises files that people pass instead of a kernel image (vmlinux, compressed kernels,
 * initramfs archives, kernels without an EFI stub) so that the error can say what the file is.
 */
public final class FileSignatures {
    private FileSignatures() {}

    /** The 32-bit magic of the arm64 Image header at 0x38: "ARM\x64". */
    static final int ARM64_IMAGE_MAGIC = 0x644d5241;

    public static boolean isMz(byte[] file) {
        return FileBytes.startsWithAt(file, 0, (byte) 'M', (byte) 'Z');
    }

    /** The x86 boot protocol's setup header signature "HdrS" at 0x202. */
    public static boolean hasX86SetupHeader(byte[] file) {
        return FileBytes.startsWithAt(file, 0x202, (byte) 'H', (byte) 'd', (byte) 'r', (byte) 'S');
    }

    /** The EFI zboot header's "zimg" at offset 4 (inside the MZ header). */
    public static boolean hasZbootMagic(byte[] file) {
        return FileBytes.startsWithAt(file, 4, (byte) 'z', (byte) 'i', (byte) 'm', (byte) 'g');
    }

    static boolean hasArm64ImageMagic(byte[] file) {
        return FileBytes.startsWithAt(file, 0x38, (byte) 'A', (byte) 'R', (byte) 'M', (byte) 0x64);
    }

    /**
     * What a file that does not start with "MZ" looks like, as a sentence for an error message,
     * or null when it is not recognised.
     */
    public static String describeNonPe(byte[] file) {
        if (file.length == 0) return "the file is empty";
        if (FileBytes.startsWithAt(file, 0, (byte) 0x7f, (byte) 'E', (byte) 'L', (byte) 'F')) {
            return "this is an ELF file (a vmlinux?); efikexec wants the kernel image with its EFI stub"
                    + " (vmlinuz, Image or bzImage), not an ELF file";
        }
        String compressed = compression(file);
        if (compressed != null) {
            return "this is a " + compressed
                    + " file; efikexec wants the kernel image, not a compressed file (decompress it first)";
        }
        if (FileBytes.startsWithAt(file, 0, "0707".getBytes(StandardCharsets.US_ASCII))) {
            return "this is a cpio archive (an initramfs?); efikexec wants the kernel image";
        }
        if (hasX86SetupHeader(file)) {
            return "this is an x86 bzImage without an EFI stub (built without CONFIG_EFI_STUB);"
                    + " efikexec runs the kernel's EFI stub";
        }
        if (hasArm64ImageMagic(file)) {
            return "this is an arm64 Image without an EFI stub (built without CONFIG_EFI);"
                    + " efikexec runs the kernel's EFI stub";
        }
        return null;
    }

    /** "gzip", "zstd", "xz", "bzip2", "lz4" or null. */
    static String compression(byte[] file) {
        if (FileBytes.startsWithAt(file, 0, (byte) 0x1f, (byte) 0x8b)) return "gzip";
        if (FileBytes.startsWithAt(file, 0, (byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd)) return "zstd";
        if (FileBytes.startsWithAt(file, 0, (byte) 0xfd, (byte) '7', (byte) 'z', (byte) 'X', (byte) 'Z', (byte) 0)) {
            return "xz";
        }
        if (FileBytes.startsWithAt(file, 0, (byte) 'B', (byte) 'Z', (byte) 'h')) return "bzip2";
        if (FileBytes.startsWithAt(file, 0, (byte) 0x04, (byte) 0x22, (byte) 0x4d, (byte) 0x18)
                || FileBytes.startsWithAt(file, 0, (byte) 0x02, (byte) 0x21, (byte) 0x4c, (byte) 0x18)) {
            return "lz4";
        }
        return null;
    }

    /** Throws the "MZ magic" error for a file that does not start with "MZ". */
    static FormatException notMz(byte[] file) {
        String what = describeNonPe(file);
        if (what == null) {
            what = file.length == 1
                    ? String.format("not a PE image: expected \"MZ\" (4d 5a), found %02x and the file ends", file[0])
                    : String.format("not a PE image: expected \"MZ\" (4d 5a), found %02x %02x", file[0], file[1]);
        }
        return new FormatException("MZ magic", 0, what);
    }
}
