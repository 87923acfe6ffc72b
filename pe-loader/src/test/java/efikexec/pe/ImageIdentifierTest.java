package efikexec.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageIdentifierTest {
    @Test
    void arm64LinuxImage() {
        IdentifiedImage id = ImageIdentifier.identify(new SyntheticPe().arm64Header().build());
        assertThat(id.format()).isEqualTo(ImageFormat.ARM64_LINUX_IMAGE);
        assertThat(id.arch()).isEqualTo("aarch64");
        assertThat(id.pe().peHeaderOffset()).isEqualTo(0x40);
    }

    @Test
    void arm64LinuxImageWithBrokenImageHeaderIsRefused() {
        byte[] f = new SyntheticPe().arm64Header().build();
        SyntheticPe.putU64(f, 24, 0xb);
        assertThatThrownBy(() -> ImageIdentifier.identify(f)).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.field()).isEqualTo("flags"));
    }

    @Test
    void x86BzImage() {
        byte[] f = new SyntheticPe().machine(0x8664).build();
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, f, 0x202, 4);
        IdentifiedImage id = ImageIdentifier.identify(f);
        assertThat(id.format()).isEqualTo(ImageFormat.X86_BZIMAGE);
        assertThat(id.arch()).isEqualTo("x86_64");
    }

    @Test
    void efiZboot() {
        byte[] f = new SyntheticPe().build();
        System.arraycopy("zimg".getBytes(StandardCharsets.US_ASCII), 0, f, 4, 4);
        IdentifiedImage id = ImageIdentifier.identify(f);
        assertThat(id.format()).isEqualTo(ImageFormat.EFI_ZBOOT);
        assertThat(id.arch()).isEqualTo("aarch64");
    }

    @Test
    void otherPeIsAnApplication() {
        assertThat(ImageIdentifier.identify(new SyntheticPe().build()).format()).isEqualTo(ImageFormat.PE_APPLICATION);
        IdentifiedImage x64 = ImageIdentifier.identify(new SyntheticPe().machine(0x8664).build());
        assertThat(x64.format()).isEqualTo(ImageFormat.PE_APPLICATION);
        assertThat(x64.arch()).isEqualTo("x86_64");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ELF     | 7f454c46020101 | ELF file",
        "gzip    | 1f8b0800000000 | this is a gzip file; efikexec wants the kernel image, not a compressed file",
        "zstd    | 28b52ffd000000 | this is a zstd file",
        "xz      | fd377a585a0000 | this is a xz file",
        "bzip2   | 425a6839314159 | this is a bzip2 file",
        "lz4     | 04224d18000000 | this is a lz4 file",
        "cpio    | 30373037303100 | cpio archive",
        "random  | 0badcafe123456 | expected \"MZ\" (4d 5a), found 0b ad",
        "one byte| 4d             | found 4d and the file ends",
    })
    void nonPeFilesSayWhatTheyAre(String name, String hex, String text) {
        byte[] f = java.util.HexFormat.of().parseHex(hex);
        assertThatThrownBy(() -> ImageIdentifier.identify(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("MZ magic");
            assertThat(e.offset()).isZero();
            assertThat(e.getMessage()).contains(text);
        });
    }

    @Test
    void emptyFile() {
        assertThatThrownBy(() -> ImageIdentifier.identify(new byte[0])).isInstanceOf(FormatException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void kernelsWithoutEfiStub() {
        byte[] arm64 = new byte[0x1000];
        SyntheticPe.putU32(arm64, 0, 0x14000010L); // b primary_entry, no MZ
        SyntheticPe.putU32(arm64, 0x38, 0x644d5241L);
        assertThatThrownBy(() -> ImageIdentifier.identify(arm64)).hasMessageContaining("arm64 Image without an EFI stub");

        byte[] bz = new byte[0x1000];
        bz[0x1fe] = 0x55;
        bz[0x1ff] = (byte) 0xaa;
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, bz, 0x202, 4);
        assertThatThrownBy(() -> ImageIdentifier.identify(bz)).hasMessageContaining("bzImage without an EFI stub");
    }

    @Test
    void randomBytesAreRefusedWithoutOtherExceptions() {
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] f = new byte[r.nextInt(4096)];
            r.nextBytes(f);
            if (f.length > 1 && r.nextBoolean()) {
                f[0] = 'M';
                f[1] = 'Z';
            }
            assertThatThrownBy(() -> ImageIdentifier.identify(f)).isInstanceOf(FormatException.class);
        }
    }
}
