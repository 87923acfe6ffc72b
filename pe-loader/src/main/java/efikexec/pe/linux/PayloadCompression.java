package efikexec.pe.linux;

import efikexec.pe.FileBytes;

/**
 * How an x86 bzImage's payload (the compressed vmlinux at payload_offset) is packed, told from its
 * first bytes: the kernel's Kconfig choice KERNEL_GZIP … KERNEL_UNCOMPRESSED
 * (arch/x86/boot/compressed/Makefile, scripts/Makefile.lib).
 */
public enum PayloadCompression {
    GZIP("gzip", new byte[] {0x1f, (byte) 0x8b}),
    BZIP2("bzip2", new byte[] {'B', 'Z', 'h'}),
    /** The legacy .lzma header the kernel writes with {@code lzma -9}: properties 0x5d, then the dictionary size. */
    LZMA("lzma", new byte[] {0x5d, 0x00, 0x00}),
    XZ("xz", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0x00}),
    LZO("lzo", new byte[] {(byte) 0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a}),
    /** The lz4 legacy frame ({@code lz4 -l}), which the kernel's decompressor reads. */
    LZ4("lz4", new byte[] {0x02, 0x21, 0x4c, 0x18}),
    ZSTD("zstd", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}),
    /** CONFIG_KERNEL_UNCOMPRESSED: the payload is the vmlinux ELF file itself. */
    NONE("none", new byte[] {0x7f, 'E', 'L', 'F'}),
    UNKNOWN("unknown", new byte[0]);

    private final String displayName;
    private final byte[] magic;

    PayloadCompression(String displayName, byte[] magic) {
        this.displayName = displayName;
        this.magic = magic;
    }

    /** "gzip", "xz", "zstd", …, "none" (an ELF payload) or "unknown". */
    public String displayName() {
        return displayName;
    }

    /**
     * What the payload of {@code length} bytes at {@code offset} starts with; UNKNOWN when no magic
     * matches (or the payload is too short to hold one). The range must lie inside the file.
     */
    public static PayloadCompression detect(byte[] file, int offset, int length) {
        for (PayloadCompression c : values()) {
            if (c.magic.length == 0 || c.magic.length > length) continue;
            if (FileBytes.startsWithAt(file, offset, c.magic)) return c;
        }
        return UNKNOWN;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
