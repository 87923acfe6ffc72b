package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.SyntheticPe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Synthetic zboot images: a small PE with the zboot header written into its MS-DOS header and the
 * payload appended, laid out as Makefile.zboot lays out the real one (gzip ends with its own ISIZE;
 * every other method is followed by an appended le32 size that the header's payload size leaves
 * out).
 */
class ZbootHeaderTest {
    private static final int PAYLOAD_AT = (int) SyntheticPe.FILE_SIZE;
    private static final byte[] KERNEL = kernel();

    /** Stands in for the arm64 Image: compressible, not all zeros. */
    private static byte[] kernel() {
        byte[] k = new byte[0x3000];
        for (int i = 0; i < k.length; i++) k[i] = (byte) (i % 251 < 17 ? i : 0);
        return k;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A zboot image holding {@code payload}, with {@code sizeWord} appended when it is not null. */
    static byte[] zboot(String type, byte[] payload, Long sizeWord) {
        byte[] pe = new SyntheticPe().build();
        byte[] f = Arrays.copyOf(pe, PAYLOAD_AT + payload.length + (sizeWord == null ? 0 : 4));
        System.arraycopy("zimg".getBytes(StandardCharsets.US_ASCII), 0, f, 4, 4);
        putU32(f, 8, PAYLOAD_AT);
        putU32(f, 12, payload.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, f, 0x18, t.length);
        System.arraycopy(payload, 0, f, PAYLOAD_AT, payload.length);
        if (sizeWord != null) putU32(f, PAYLOAD_AT + payload.length, sizeWord);
        return f;
    }

    private static byte[] gzipImage() {
        return zboot("gzip", gzip(KERNEL), null);
    }

    /** A payload that starts with {@code magic}; the rest does not matter to the header. */
    private static byte[] payload(String magicHex) {
        byte[] magic = HexFormat.of().parseHex(magicHex);
        byte[] p = Arrays.copyOf(magic, 0x40);
        for (int i = magic.length; i < p.length; i++) p[i] = (byte) (i * 7);
        return p;
    }

    @Test
    void parsesAGzipImage() {
        byte[] f = gzipImage();
        ZbootHeader h = ZbootHeader.parse(f);
        assertThat(ZbootHeader.isZboot(f)).isTrue();
        assertThat(h.compressionType()).isEqualTo("gzip");
        assertThat(h.compression()).isEqualTo(PayloadCompression.GZIP);
        assertThat(h.payloadOffset()).isEqualTo(PAYLOAD_AT);
        assertThat(h.payloadSize()).isEqualTo(f.length - PAYLOAD_AT);
        assertThat(h.decompressedSize()).as("gzip's ISIZE").isEqualTo(KERNEL.length);
        assertThat(h.peHeaderOffset()).isEqualTo(new SyntheticPe().peOffset());
        assertThat(h.toString()).contains("gzip", "0x800", String.valueOf(KERNEL.length));
    }

    @Test
    void zstdPayloadIsFollowedByItsSizeWord() {
        byte[] f = zboot("zstd22", payload("28b52ffd"), 0x123456L);
        ZbootHeader h = ZbootHeader.parse(f);
        assertThat(h.compression()).isEqualTo(PayloadCompression.ZSTD);
        assertThat(h.payloadSize()).isEqualTo(0x40);
        assertThat(h.decompressedSize()).isEqualTo(0x123456L);
    }

    @ParameterizedTest
    @CsvSource({"gzip, 1f8b08, GZIP", "lz4, 02214c18, LZ4", "lzma, 5d00000004, LZMA", "lzo, 894c5a4f000d0a1a0a, LZO",
            "xzkern, fd377a585a00, XZ", "zstd22, 28b52ffd, ZSTD"})
    void everyKernelCompressionName(String type, String magic, PayloadCompression expected) {
        byte[] f = zboot(type, payload(magic), type.equals("gzip") ? null : 0x10000L);
        ZbootHeader h = ZbootHeader.parse(f);
        assertThat(h.compression()).isEqualTo(expected);
        assertThat(h.compressionType()).isEqualTo(type);
    }

    @Test
    void unknownCompressionIsKeptAndItsPayloadNotJudged() {
        ZbootHeader h = ZbootHeader.parse(zboot("brotli", payload("ce b2 cf 81".replace(" ", "")), 0x10L));
        assertThat(h.compressionType()).isEqualTo("brotli");
        assertThat(h.compression()).isEqualTo(PayloadCompression.UNKNOWN);
    }

    @Test
    void longestCompressionTypeEndsBeforeLinuxPeMagic() {
        String type = "x".repeat(31);
        assertThat(ZbootHeader.parse(zboot(type, payload("00"), 0L)).compressionType()).isEqualTo(type);
    }

    static Stream<Arguments> brokenImages() {
        return Stream.of(
                Arguments.of("no MZ", (Consumer<byte[]>) f -> f[1] = 'X', "MZ magic", 0, "not an EFI zboot image"),
                Arguments.of("no zimg", (Consumer<byte[]>) f -> f[7] = 'x', "image type", 4, "7a 69 6d 78"),
                Arguments.of("payload inside the header", (Consumer<byte[]>) f -> putU32(f, 8, 0x20),
                        "payload offset", 8, "inside the 64-byte zboot header"),
                Arguments.of("payload offset past the end", (Consumer<byte[]>) f -> putU32(f, 8, 0x7fffffffL),
                        "payload offset", 8, "past the end of the file"),
                Arguments.of("payload offset above 2 GiB", (Consumer<byte[]>) f -> putU32(f, 8, 0xfffffff0L),
                        "payload offset", 8, "past the end of the file"),
                Arguments.of("payload size 0", (Consumer<byte[]>) f -> putU32(f, 12, 0), "payload size", 12,
                        "no compressed kernel"),
                Arguments.of("payload one byte too long", (Consumer<byte[]>) f -> putU32(f, 12, f.length - PAYLOAD_AT + 1),
                        "payload size", 12, "past the end of the file"),
                Arguments.of("payload size huge", (Consumer<byte[]>) f -> putU32(f, 12, 0xffffffffL), "payload size",
                        12, "past the end of the file"),
                Arguments.of("gzip too short for ISIZE", (Consumer<byte[]>) f -> putU32(f, 12, 3), "payload size", 12,
                        "ISIZE"),
                Arguments.of("type not terminated", (Consumer<byte[]>) f -> Arrays.fill(f, 0x18, 0x38, (byte) 'a'),
                        "compression type", 0x18, "not NUL-terminated"),
                Arguments.of("type empty", (Consumer<byte[]>) f -> Arrays.fill(f, 0x18, 0x1c, (byte) 0),
                        "compression type", 0x18, "empty"),
                Arguments.of("type not printable", (Consumer<byte[]>) f -> f[0x1a] = (byte) 0xe9,
                        "compression type", 0x1a, "byte 0xe9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenImages")
    void brokenImageNamesTheField(String name, Consumer<byte[]> mutation, String field, long offset, String text) {
        byte[] f = gzipImage();
        mutation.accept(f);
        assertThatThrownBy(() -> ZbootHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).as(e.describe()).isEqualTo(field);
            assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @Test
    void payloadMustBeWhatTheTypeSays() {
        byte[] f = zboot("zstd22", payload("28b52ffd"), 0x10000L);
        System.arraycopy("gzip\0\0".getBytes(StandardCharsets.US_ASCII), 0, f, 0x18, 6);
        assertThatThrownBy(() -> ZbootHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("compression type");
            assertThat(e.offset()).isEqualTo(0x18);
            assertThat(e.getMessage()).contains("header says \"gzip\"", "starts with 28 b5 2f fd (zstd)");
        });
    }

    @Test
    void fileShorterThanTheHeader() {
        assertThatThrownBy(() -> ZbootHeader.parse(Arrays.copyOf(gzipImage(), 0x3f)))
                .isInstanceOf(FormatException.class).hasMessageContaining("64-byte EFI zboot header");
    }

    @Test
    void nonGzipPayloadNeedsItsSizeWordInTheFile() {
        byte[] f = zboot("zstd22", payload("28b52ffd"), null);
        assertThatThrownBy(() -> ZbootHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("payload size");
            assertThat(e.getMessage()).contains("4-byte size word");
        });
    }

    @Test
    void everyTruncationFailsAsFormatException() {
        byte[] f = gzipImage();
        for (int len = 0; len < f.length; len++) {
            byte[] cut = Arrays.copyOf(f, len);
            assertThatThrownBy(() -> ZbootHeader.parse(cut)).as("length %d", len).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void quickCheck() {
        assertThat(ZbootHeader.isZboot(new SyntheticPe().build())).isFalse();
        assertThat(ZbootHeader.isZboot(new SyntheticPe().arm64Header().build())).isFalse();
        assertThat(ZbootHeader.isZboot(new byte[0])).isFalse();
        assertThat(ZbootHeader.isZboot(Arrays.copyOf(gzipImage(), 8))).isTrue();
    }
}
