package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU16;
import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.linux.SetupHeader.LoadFlag;
import efikexec.pe.linux.SetupHeader.XLoadFlag;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SetupHeaderTest {
    private static final int PAYLOAD_AT = SyntheticBzImage.PM_START + SyntheticBzImage.PAYLOAD_OFFSET;

    @Test
    void parsesTheHeader() {
        SetupHeader h = SetupHeader.parse(SyntheticBzImage.build());
        assertThat(h.version()).isEqualTo(0x020f);
        assertThat(h.versionString()).isEqualTo("2.15");
        assertThat(h.setupSects()).isEqualTo(4);
        assertThat(h.setupSize()).isEqualTo(0xa00);
        assertThat(h.bootFlag()).isEqualTo(0xaa55);
        assertThat(h.code32Start()).isEqualTo(0x100000);
        assertThat(h.initrdAddrMax()).isEqualTo(0x7fffffff);
        assertThat(h.kernelAlignment()).isEqualTo(0x200000);
        assertThat(h.relocatableKernel()).isTrue();
        assertThat(h.minAlignment()).isEqualTo(21);
        assertThat(h.cmdlineSize()).isEqualTo(0x7ff);
        assertThat(h.payloadOffset()).isEqualTo(0x100);
        assertThat(h.payloadFileOffset()).isEqualTo(0xb00);
        assertThat(h.payloadLength()).isEqualTo(0x80);
        assertThat(h.compression()).isEqualTo(PayloadCompression.XZ);
        assertThat(h.prefAddress()).isEqualTo(0x1000000L);
        assertThat(h.initSize()).isEqualTo(0x3f98000L);
        assertThat(h.handoverOffset()).isEqualTo(0x190);
        assertThat(h.kernelInfoOffset()).isEqualTo(0x200);
        assertThat(h.kernelVersion()).isEqualTo(SyntheticBzImage.KERNEL_VERSION);
        assertThat(h.loadflagNames()).containsExactly("LOADED_HIGH", "CAN_USE_HEAP");
        assertThat(h.has(LoadFlag.LOADED_HIGH)).isTrue();
        assertThat(h.has(LoadFlag.KASLR_FLAG)).isFalse();
        assertThat(h.xloadflagSet()).containsExactly(XLoadFlag.XLF_KERNEL_64, XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G,
                XLoadFlag.XLF_EFI_HANDOVER_32, XLoadFlag.XLF_EFI_HANDOVER_64, XLoadFlag.XLF_EFI_KEXEC,
                XLoadFlag.XLF_5LEVEL, XLoadFlag.XLF_5LEVEL_ENABLED);
        assertThat(h.toString()).contains("2.15", "xz", "XLF_KERNEL_64");
    }

    @ParameterizedTest
    @CsvSource({"0x020c, 2.12", "0x020f, 2.15", "0x0210, 2.16", "0x0300, 3.00", "0xffff, 255.255"})
    void versionStrings(String raw, String text) {
        byte[] f = SyntheticBzImage.build();
        putU16(f, 0x206, Integer.decode(raw));
        assertThat(SetupHeader.parse(f).versionString()).isEqualTo(text);
    }

    @Test
    void kernelInfoOffsetOnlyFrom215() {
        byte[] f = SyntheticBzImage.build();
        putU16(f, 0x206, 0x020e);
        SetupHeader h = SetupHeader.parse(f);
        assertThat(h.kernelInfoOffset()).as("no such field before 2.15").isZero();
        assertThat(h.handoverOffset()).isEqualTo(0x190);
    }

    @Test
    void xloadflagsDecodedBitByBit() {
        byte[] f = SyntheticBzImage.build();
        putU16(f, 0x236, 0x8189);
        SetupHeader h = SetupHeader.parse(f);
        assertThat(h.xloadflagNames()).containsExactly("XLF_KERNEL_64", "XLF_EFI_HANDOVER_64", "XLF_MEM_ENCRYPTION",
                "bit 8", "bit 15");
        assertThat(h.has(XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G)).isFalse();
        putU16(f, 0x236, 0);
        assertThat(SetupHeader.parse(f).xloadflagNames()).as("flags are described, never required").isEmpty();
        f[0x211] = 0x12;
        assertThat(SetupHeader.parse(f).loadflagNames()).containsExactly("KASLR_FLAG", "bit 4");
    }

    @Test
    void setupSectsZeroMeansFour() {
        byte[] f = SyntheticBzImage.build();
        f[0x1f1] = 0;
        SetupHeader h = SetupHeader.parse(f);
        assertThat(h.setupSectsField()).isZero();
        assertThat(h.setupSects()).isEqualTo(4);
        assertThat(h.payloadFileOffset()).isEqualTo(0xb00);
        assertThat(h.compression()).isEqualTo(PayloadCompression.XZ);
    }

    @Test
    void setupSectsMovesThePayload() {
        byte[] f = SyntheticBzImage.build();
        f[0x1f1] = 3; // protected mode at 0x800: the payload is now 0x200 bytes earlier
        System.arraycopy(new byte[] {0x1f, (byte) 0x8b, 8}, 0, f, 0x900, 3);
        SetupHeader h = SetupHeader.parse(f);
        assertThat(h.payloadFileOffset()).isEqualTo(0x900);
        assertThat(h.compression()).isEqualTo(PayloadCompression.GZIP);
    }

    @ParameterizedTest
    @CsvSource({
        "1f8b0800, gzip",
        "425a6839, bzip2",
        "5d00000004ffffff, lzma",
        "fd377a585a000004, xz",
        "894c5a4f000d0a1a0a, lzo",
        "02214c18, lz4",
        "28b52ffd, zstd",
        "7f454c4602, none",
        "00000000, unknown",
        "fd377a585a01, unknown",
    })
    void compressionFromThePayloadsFirstBytes(String hex, String name) {
        byte[] f = SyntheticBzImage.build();
        Arrays.fill(f, PAYLOAD_AT, PAYLOAD_AT + 16, (byte) 0);
        byte[] magic = HexFormat.of().parseHex(hex);
        System.arraycopy(magic, 0, f, PAYLOAD_AT, magic.length);
        assertThat(SetupHeader.parse(f).compression().displayName()).isEqualTo(name);
    }

    @Test
    void aMagicLongerThanThePayloadDoesNotCount() {
        byte[] f = SyntheticBzImage.build();
        putU32(f, 0x24c, 4); // "fd 37 7a 58" of the xz magic only
        assertThat(SetupHeader.parse(f).compression()).isEqualTo(PayloadCompression.UNKNOWN);
        putU32(f, 0x24c, 6);
        assertThat(SetupHeader.parse(f).compression()).isEqualTo(PayloadCompression.XZ);
    }

    @Test
    void payloadMayEndExactlyAtTheEndOfTheFile() {
        byte[] f = Arrays.copyOf(SyntheticBzImage.build(), PAYLOAD_AT + SyntheticBzImage.PAYLOAD_LENGTH);
        assertThat(SetupHeader.parse(f).payloadLength()).isEqualTo(SyntheticBzImage.PAYLOAD_LENGTH);
    }

    @Test
    void kernelVersionIsOptional() {
        byte[] f = SyntheticBzImage.build();
        putU16(f, 0x20e, 0);
        assertThat(SetupHeader.parse(f).kernelVersion()).isEmpty();
        putU16(f, 0x20e, 0xffff); // past the setup code
        assertThat(SetupHeader.parse(f).kernelVersion()).isEmpty();
        byte[] g = SyntheticBzImage.build();
        g[0x502] = 1; // not text
        assertThat(SetupHeader.parse(g).kernelVersion()).isEmpty();
    }

    static Stream<Arguments> brokenHeaders() {
        int end = SyntheticBzImage.FILE_SIZE;
        return Stream.of(
                Arguments.of("bad magic", (Consumer<byte[]>) f -> f[0x205] = 'Z', "header", 0x202, "HdrS"),
                Arguments.of("no magic at all", (Consumer<byte[]>) f -> Arrays.fill(f, 0x202, 0x206, (byte) 0), "header",
                        0x202, "not an x86 bzImage"),
                Arguments.of("bad boot_flag", (Consumer<byte[]>) f -> putU16(f, 0x1fe, 0x55aa), "boot_flag", 0x1fe,
                        "0x55aa, expected 0xaa55"),
                Arguments.of("protocol 2.11", (Consumer<byte[]>) f -> putU16(f, 0x206, 0x020b), "version", 0x206,
                        "2.11 is older than 2.12"),
                Arguments.of("protocol 0", (Consumer<byte[]>) f -> putU16(f, 0x206, 0), "version", 0x206, "0.00"),
                Arguments.of("setup_sects past the end", (Consumer<byte[]>) f -> f[0x1f1] = (byte) 0xff, "setup_sects",
                        0x1f1, "0x20000, past the end of the file"),
                Arguments.of("payload_offset past the end", (Consumer<byte[]>) f -> putU32(f, 0x248, 0x1000),
                        "payload_offset", 0x248, "past the end of the file"),
                Arguments.of("payload_offset huge", (Consumer<byte[]>) f -> putU32(f, 0x248, 0xffffffffL),
                        "payload_offset", 0x248, "past the end of the file"),
                Arguments.of("payload_length past the end", (Consumer<byte[]>) f -> putU32(f, 0x24c, end),
                        "payload_length", 0x24c, "past the end of the file"),
                Arguments.of("payload_length one too many", (Consumer<byte[]>) f -> putU32(f, 0x24c,
                        end - PAYLOAD_AT + 1), "payload_length", 0x24c, String.format("ends at 0x%x", end + 1)),
                Arguments.of("payload_length huge", (Consumer<byte[]>) f -> putU32(f, 0x24c, 0xffffffffL),
                        "payload_length", 0x24c, "past the end of the file"),
                Arguments.of("payload_length 0", (Consumer<byte[]>) f -> putU32(f, 0x24c, 0), "payload_length", 0x24c,
                        "no compressed kernel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeaders")
    void brokenHeaderNamesTheField(String name, Consumer<byte[]> mutation, String field, long offset, String text) {
        byte[] f = SyntheticBzImage.build();
        mutation.accept(f);
        assertThatThrownBy(() -> SetupHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).as(e.describe()).isEqualTo(field);
            assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "0x1f1", "0x200", "0x26b"})
    void truncatedInsideTheHeader(String length) {
        byte[] f = Arrays.copyOf(SyntheticBzImage.build(), Integer.decode(length));
        assertThat(SetupHeader.hasSetupHeader(f)).isEqualTo(f.length >= 0x206);
        assertThatThrownBy(() -> SetupHeader.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("setup header");
            assertThat(e.offset()).isEqualTo(0x1f1);
            assertThat(e.getMessage()).contains("x86 setup header (0x1f1-0x26b)");
        });
    }

    @Test
    void truncatedAfterTheHeader() {
        byte[] whole = SyntheticBzImage.build();
        // inside the setup code: the protected-mode kernel would start past the end
        assertThatThrownBy(() -> SetupHeader.parse(Arrays.copyOf(whole, 0x26c)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.field()).isEqualTo("setup_sects"));
        assertThatThrownBy(() -> SetupHeader.parse(Arrays.copyOf(whole, 0x9ff)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.offset()).isEqualTo(0x1f1));
        // before the payload, and inside it
        assertThatThrownBy(() -> SetupHeader.parse(Arrays.copyOf(whole, PAYLOAD_AT - 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.offset()).isEqualTo(0x248));
        assertThatThrownBy(() -> SetupHeader.parse(Arrays.copyOf(whole, PAYLOAD_AT + 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.offset()).isEqualTo(0x24c));
    }

    @Test
    void quickCheck() {
        assertThat(SetupHeader.hasSetupHeader(SyntheticBzImage.build())).isTrue();
        assertThat(SetupHeader.hasSetupHeader(new byte[0x300])).isFalse();
        assertThat(SetupHeader.hasSetupHeader(new byte[0])).isFalse();
    }
}
