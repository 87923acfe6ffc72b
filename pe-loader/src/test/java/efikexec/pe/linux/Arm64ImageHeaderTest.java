package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU32;
import static efikexec.pe.SyntheticPe.putU64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.SyntheticPe;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class Arm64ImageHeaderTest {
    private static byte[] image() {
        return new SyntheticPe().arm64Header().build();
    }

    @Test
    void parsesTheHeader() {
        Arm64ImageHeader h = Arm64ImageHeader.parse(image());
        assertThat(h.code0()).isEqualTo(0xfa405a4dL);
        assertThat(h.magic()).isEqualTo(Arm64ImageHeader.MAGIC);
        assertThat(h.textOffset()).isZero();
        assertThat(h.imageSize()).isEqualTo(SyntheticPe.SIZE_OF_IMAGE);
        assertThat(h.flags()).isEqualTo(0xa);
        assertThat(h.bigEndian()).isFalse();
        assertThat(h.pageSize()).isEqualTo(4096);
        assertThat(h.physicalPlacementAnywhere()).isTrue();
        assertThat(h.peHeaderOffset()).isEqualTo(0x40);
        assertThat(h.primaryEntryOffset()).isEqualTo(SyntheticPe.TEXT_RVA);
    }

    @Test
    void decodesDebian61Branch() {
        // Debian 6.1's code1 = b primary_entry, with primary_entry at Image+0x1668d5c (EFI-NOTES)
        byte[] f = image();
        putU32(f, 4, 0x1459a356L);
        putU64(f, 16, 0x2010000L);
        assertThat(Arm64ImageHeader.parse(f).primaryEntryOffset()).isEqualTo(0x1668d5cL);
    }

    @ParameterizedTest
    @CsvSource({"0x0, 0", "0x2, 4096", "0x4, 16384", "0x6, 65536", "0xa, 4096", "0xfffffffffffffff4, 16384"})
    void pageSizeFromFlagBits1And2(String flags, int pageSize) {
        byte[] f = image();
        putU64(f, 24, Long.parseUnsignedLong(flags.substring(2), 16));
        assertThat(Arm64ImageHeader.parse(f).pageSize()).isEqualTo(pageSize);
    }

    static Stream<Arguments> brokenHeaders() {
        return Stream.of(
                Arguments.of("bad magic", (Consumer<byte[]>) f -> f[0x3b] = 0x65, "magic", 0x38, "ARM\\x64"),
                Arguments.of("big-endian kernel", (Consumer<byte[]>) f -> putU64(f, 24, 0xb), "flags", 0x18,
                        "big-endian kernel"),
                Arguments.of("zero image_size", (Consumer<byte[]>) f -> putU64(f, 16, 0), "image_size", 0x10, "3.17"),
                Arguments.of("tiny image_size", (Consumer<byte[]>) f -> putU64(f, 16, 0x20), "image_size", 0x10,
                        "smaller than"),
                Arguments.of("text_offset 2 MiB", (Consumer<byte[]>) f -> putU64(f, 8, 0x200000), "text_offset", 0x8,
                        "2 MiB"),
                Arguments.of("text_offset huge", (Consumer<byte[]>) f -> putU64(f, 8, -0x1000L), "text_offset", 0x8,
                        "2 MiB"),
                Arguments.of("code1 a nop", (Consumer<byte[]>) f -> putU32(f, 4, 0xd503201fL), "code1", 0x4,
                        "not a B instruction"),
                Arguments.of("code1 a bl", (Consumer<byte[]>) f -> putU32(f, 4, 0x940003ffL), "code1", 0x4,
                        "not a B instruction"),
                Arguments.of("code1 branches backwards", (Consumer<byte[]>) f -> putU32(f, 4, 0x17fffff0L), "code1", 0x4,
                        "outside the image"),
                Arguments.of("code1 branches past image_size", (Consumer<byte[]>) f -> putU32(f, 4, 0x14001400L), "code1",
                        0x4, "outside the image"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeaders")
    void brokenHeaderNamesTheField(String name, Consumer<byte[]> mutation, String field, long offset, String text) {
        byte[] f = image();
        mutation.accept(f);
        assertThatThrownBy(() -> Arm64ImageHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).as(e.describe()).isEqualTo(field);
            assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @Test
    void textOffsetBelow2MiBIsAccepted() {
        byte[] f = image();
        putU64(f, 8, 0x80000);
        assertThat(Arm64ImageHeader.parse(f).textOffset()).isEqualTo(0x80000);
    }

    @Test
    void truncatedHeader() {
        byte[] f = Arrays.copyOf(image(), 0x3f);
        assertThat(Arm64ImageHeader.isArm64Image(f)).isFalse();
        assertThatThrownBy(() -> Arm64ImageHeader.parse(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("64-byte arm64 Image header");
    }

    @Test
    void quickCheckLooksAtTheMagicOnly() {
        assertThat(Arm64ImageHeader.isArm64Image(image())).isTrue();
        assertThat(Arm64ImageHeader.isArm64Image(new SyntheticPe().build())).isFalse();
        assertThat(Arm64ImageHeader.isArm64Image(new byte[0])).isFalse();
    }
}
