package efikexec.pe.linux;

import static efikexec.pe.FileBytes.u32;

import efikexec.model.FormatException;
import efikexec.pe.FileBytes;
import java.nio.charset.StandardCharsets;

/**
 * The header of a Linux EFI zboot image (CONFIG_EFI_ZBOOT), laid out by the kernel's
 * drivers/firmware/efi/libstub/zboot-header.S inside the MS-DOS header that precedes the PE header:
 *
 * <pre>
 * 0x00  u32    "MZ" (MZ_MAGIC as a 32-bit word)
 * 0x04  char4  "zimg"                 image type
 * 0x08  u32    payload offset         file offset of the compressed kernel
 * 0x0c  u32    payload size           its compressed size, without the appended size word
 * 0x10  u32[2] reserved
 * 0x18  asciz  compression type       "gzip", "lz4", "lzma", "lzo", "xzkern", "zstd22"
 * 0x38  u32    LINUX_PE_MAGIC         (kernels after 6.1; 6.1 lets the string run to 0x3c)
 * 0x3c  u32    PE header offset
 * </pre>
 *
 * The payload is the kernel's arm64 Image (or riscv/loongarch Image) compressed by the Kconfig
 * choice KERNEL_GZIP … KERNEL_ZSTD. The zboot stub's LoadFile2 (libstub/zboot.c) reads the
 * decompressed size from the last four bytes of its data: gzip's own ISIZE trailer ends the gzip
 * payload, every other method has the size appended after the payload (scripts/Makefile.lib,
 * {@code size_append}), which is why the header's payload size leaves those four bytes out.
 *
 * <p>{@link #parse} checks what a loader that decompresses the payload itself (QEMU's
 * {@code unpack_efi_zboot_image}, kexec) relies on, and throws {@link FormatException} naming the
 * field and its offset: both magics, a terminated printable compression type, the payload (and,
 * for non-gzip payloads, the size word after it) inside the file and past the header, and a
 * payload whose first bytes match the compression type the header names. A compression type that
 * efikexec does not know is kept as it is ({@link #compression()} is then UNKNOWN): the image's
 * own stub is what decompresses it.
 */
public final class ZbootHeader {
    public static final int OFF_MZ = 0x00;
    public static final int OFF_IMAGE_TYPE = 0x04;
    public static final int OFF_PAYLOAD_OFFSET = 0x08;
    public static final int OFF_PAYLOAD_SIZE = 0x0c;
    public static final int OFF_COMPRESSION_TYPE = 0x18;
    /**
     * Where the compression type must have ended: newer kernels put LINUX_PE_MAGIC at 0x38, and
     * QEMU's loader reads the field as char[32].
     */
    public static final int END_COMPRESSION_TYPE = 0x38;
    public static final int OFF_PE_HEADER = 0x3c;
    /** The MS-DOS header the zboot header lives in, up to and with the PE header offset. */
    public static final int SIZE = 0x40;
    /** Bytes of the decompressed-size word that non-gzip payloads carry after the payload. */
    public static final int SIZE_WORD = 4;

    private final long payloadOffset;
    private final long payloadSize;
    private final String compressionType;
    private final PayloadCompression compression;
    private final long peHeaderOffset;
    private final long decompressedSize;

    private ZbootHeader(long payloadOffset, long payloadSize, String compressionType,
            PayloadCompression compression, long peHeaderOffset, long decompressedSize) {
        this.payloadOffset = payloadOffset;
        this.payloadSize = payloadSize;
        this.compressionType = compressionType;
        this.compression = compression;
        this.peHeaderOffset = peHeaderOffset;
        this.decompressedSize = decompressedSize;
    }

    /** Parses and checks the zboot header of {@code file}. */
    public static ZbootHeader parse(byte[] file) {
        FileBytes.require(file, 0, SIZE, "zboot header", "64-byte EFI zboot header");
        if (!FileBytes.startsWithAt(file, OFF_MZ, (byte) 'M', (byte) 'Z')) {
            throw new FormatException("MZ magic", OFF_MZ, String.format(
                    "expected \"MZ\" (4d 5a), found %02x %02x: not an EFI zboot image", file[0], file[1]));
        }
        if (!isZboot(file)) {
            throw new FormatException("image type", OFF_IMAGE_TYPE, String.format(
                    "image type is %s, expected \"zimg\" (7a 69 6d 67): not an EFI zboot image",
                    hex(file, OFF_IMAGE_TYPE, 4)));
        }
        String type = compressionType(file);
        PayloadCompression declared = declaredCompression(type);
        long offset = u32(file, OFF_PAYLOAD_OFFSET, "payload offset");
        long size = u32(file, OFF_PAYLOAD_SIZE, "payload size");
        if (offset < SIZE) {
            throw new FormatException("payload offset", OFF_PAYLOAD_OFFSET, String.format(
                    "payload offset 0x%x lies inside the 64-byte zboot header", offset));
        }
        if (offset > file.length) {
            throw new FormatException("payload offset", OFF_PAYLOAD_OFFSET, String.format(
                    "payload offset 0x%x is past the end of the file (0x%x)", offset, file.length));
        }
        if (size == 0) {
            throw new FormatException("payload size", OFF_PAYLOAD_SIZE,
                    "payload size is 0: the image carries no compressed kernel");
        }
        // gzip's ISIZE is part of the payload; the other methods append the size after it.
        int sizeWord = declared == PayloadCompression.GZIP ? 0 : SIZE_WORD;
        if (offset + size + sizeWord > file.length) {
            throw new FormatException("payload size", OFF_PAYLOAD_SIZE, String.format(
                    "payload 0x%x+0x%x%s ends at 0x%x, past the end of the file (0x%x)", offset, size,
                    sizeWord == 0 ? "" : " and its 4-byte size word", offset + size + sizeWord, file.length));
        }
        if (size + sizeWord < SIZE_WORD) {
            throw new FormatException("payload size", OFF_PAYLOAD_SIZE, String.format(
                    "payload size %d cannot hold gzip's 4-byte ISIZE trailer", size));
        }
        PayloadCompression found = PayloadCompression.detect(file, (int) offset, (int) size);
        if (declared != PayloadCompression.UNKNOWN && found != declared) {
            throw new FormatException("compression type", OFF_COMPRESSION_TYPE, String.format(
                    "header says \"%s\" but the payload at 0x%x starts with %s (%s)", type, offset,
                    hex(file, (int) offset, (int) Math.min(4, size)), found));
        }
        long decompressed = u32(file, offset + size + sizeWord - SIZE_WORD, "decompressed size");
        return new ZbootHeader(offset, size, type, declared, u32(file, OFF_PE_HEADER, "PE header offset"),
                decompressed);
    }

    /** Quick check: the file starts with "MZ" and has "zimg" at offset 4. */
    public static boolean isZboot(byte[] file) {
        return FileBytes.startsWithAt(file, OFF_MZ, (byte) 'M', (byte) 'Z')
                && FileBytes.startsWithAt(file, OFF_IMAGE_TYPE, (byte) 'z', (byte) 'i', (byte) 'm', (byte) 'g');
    }

    /** File offset of the compressed kernel. */
    public long payloadOffset() {
        return payloadOffset;
    }

    /** Compressed size in bytes, as the header says (without a non-gzip payload's size word). */
    public long payloadSize() {
        return payloadSize;
    }

    /** The compression type string exactly as the header holds it ("gzip", "zstd22", …). */
    public String compressionType() {
        return compressionType;
    }

    /** The method the compression type names; UNKNOWN for a name efikexec does not know. */
    public PayloadCompression compression() {
        return compression;
    }

    /** The PE header offset at 0x3c (checked by the PE parser, not here). */
    public long peHeaderOffset() {
        return peHeaderOffset;
    }

    /**
     * Size of the decompressed kernel, from the word the zboot stub reads at the end of its data
     * (modulo 2^32 for gzip, whose ISIZE it is). Meaningless when {@link #compression()} is UNKNOWN.
     */
    public long decompressedSize() {
        return decompressedSize;
    }

    @Override
    public String toString() {
        return String.format("zboot %s payload 0x%x+0x%x (%d bytes decompressed)", compressionType, payloadOffset,
                payloadSize, decompressedSize);
    }

    /**
     * The names scripts/Makefile.lib's compressors go by in Makefile.zboot ({@code comp-type-y}):
     * xz and zstd carry the variant the kernel uses (xz_wrap.sh's BCJ filters, zstd level 22).
     */
    static PayloadCompression declaredCompression(String type) {
        return switch (type) {
            case "gzip" -> PayloadCompression.GZIP;
            case "lz4" -> PayloadCompression.LZ4;
            case "lzma" -> PayloadCompression.LZMA;
            case "lzo" -> PayloadCompression.LZO;
            case "xzkern" -> PayloadCompression.XZ;
            case "zstd22" -> PayloadCompression.ZSTD;
            default -> PayloadCompression.UNKNOWN;
        };
    }

    private static String compressionType(byte[] file) {
        int end = OFF_COMPRESSION_TYPE;
        while (end < END_COMPRESSION_TYPE && file[end] != 0) {
            int c = file[end] & 0xff;
            if (c < 0x20 || c > 0x7e) {
                throw new FormatException("compression type", end, String.format(
                        "compression type holds byte 0x%02x at 0x%x: expected a printable ASCII name", c, end));
            }
            end++;
        }
        if (end == END_COMPRESSION_TYPE) {
            throw new FormatException("compression type", OFF_COMPRESSION_TYPE, String.format(
                    "compression type is not NUL-terminated within its %d bytes (0x%x-0x%x)",
                    END_COMPRESSION_TYPE - OFF_COMPRESSION_TYPE, OFF_COMPRESSION_TYPE, END_COMPRESSION_TYPE - 1));
        }
        if (end == OFF_COMPRESSION_TYPE) {
            throw new FormatException("compression type", OFF_COMPRESSION_TYPE,
                    "compression type is empty: the header does not say how the payload is packed");
        }
        return new String(file, OFF_COMPRESSION_TYPE, end - OFF_COMPRESSION_TYPE, StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] f, int at, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append(String.format("%02x", f[at + i] & 0xff));
        return b.toString();
    }
}
