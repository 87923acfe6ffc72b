package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.Fixtures;
import efikexec.pe.IdentifiedImage;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.Machine;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The arm64 EFI zboot kernels scripts/zboot-kernel builds from Debian bookworm's linux-source
 * (fixtures/zboot-arm64: vmlinuz.efi with a gzip payload, vmlinuz-zstd.efi with zstd, the same
 * kernel in both). Skipped when the fixture is missing, failed when CI=true.
 */
class RealZbootKernelTest {
    private static Path dir;
    private static byte[] gzip;
    private static ZbootHeader header;

    @BeforeEach
    void readKernelOnce() {
        if (gzip != null) return;
        Path d = Fixtures.cacheDir().resolve("fixtures/zboot-arm64");
        byte[] k = Fixtures.read(d.resolve("vmlinuz.efi"));
        header = ZbootHeader.parse(k);
        dir = d;
        gzip = k;
    }

    private static String config(String file, String key) {
        try {
            for (String line : Files.readAllLines(dir.resolve(file))) {
                if (line.startsWith(key + "=")) return line.substring(key.length() + 1);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gunzip(byte[] f, long offset, long size) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(f, (int) offset, (int) size))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void headerOfTheGzipImage() {
        assertThat(config("config", "CONFIG_EFI_ZBOOT")).isEqualTo("y");
        assertThat(config("config", "CONFIG_KERNEL_GZIP")).isEqualTo("y");
        assertThat(header.compressionType()).isEqualTo("gzip");
        assertThat(header.compression()).isEqualTo(PayloadCompression.GZIP);
        assertThat(header.payloadOffset() + header.payloadSize()).isLessThanOrEqualTo(gzip.length);
        assertThat(header.decompressedSize()).isGreaterThan(header.payloadSize());
    }

    @Test
    void identifiedAsZbootForArm64() {
        IdentifiedImage id = ImageIdentifier.identify(gzip);
        assertThat(id.format()).isEqualTo(ImageFormat.EFI_ZBOOT);
        assertThat(id.arch()).isEqualTo("aarch64");
        assertThat(id.pe().peHeaderOffset()).isEqualTo(header.peHeaderOffset());
    }

    @Test
    void payloadLiesInTheTextSection() {
        // zboot.lds puts .gzdata in .rodata, which zboot-header.S's PE ".text" section spans up to
        // _etext; file offsets and RVAs coincide, so the payload offset is also its RVA
        PeImage pe = PeParser.parse(gzip);
        PeSection text = pe.section(".text").orElseThrow();
        assertThat(text.pointerToRawData()).isEqualTo(text.virtualAddress());
        assertThat(text.containsRva(header.payloadOffset())).isTrue();
        assertThat(text.containsRva(header.payloadOffset() + header.payloadSize() - 1)).isTrue();
        assertThat(text.containsRva(pe.addressOfEntryPoint())).isTrue();
    }

    @Test
    void payloadIsTheArm64ImageWithItsEfiStub() {
        byte[] image = gunzip(gzip, header.payloadOffset(), header.payloadSize());
        assertThat((long) image.length).isEqualTo(header.decompressedSize());
        Arm64ImageHeader h = Arm64ImageHeader.parse(image);
        assertThat(h.imageSize()).isGreaterThanOrEqualTo(image.length);
        IdentifiedImage id = ImageIdentifier.identify(image);
        assertThat(id.format()).isEqualTo(ImageFormat.ARM64_LINUX_IMAGE);
        assertThat(id.pe().machine()).isEqualTo(Machine.IMAGE_FILE_MACHINE_ARM64);
    }

    @Test
    void zstdImageCarriesTheSameKernel() {
        byte[] zstd = Fixtures.read(dir.resolve("vmlinuz-zstd.efi"));
        ZbootHeader z = ZbootHeader.parse(zstd);
        assertThat(config("config-zstd", "CONFIG_KERNEL_ZSTD")).isEqualTo("y");
        assertThat(z.compressionType()).isEqualTo("zstd22");
        assertThat(z.compression()).isEqualTo(PayloadCompression.ZSTD);
        // the size word after the payload; scripts/zboot-kernel builds both reproducibly from one tree
        assertThat(z.decompressedSize()).isEqualTo(header.decompressedSize());
        assertThat(zstd.length).isGreaterThanOrEqualTo((int) (z.payloadOffset() + z.payloadSize() + ZbootHeader.SIZE_WORD));
        assertThat(ImageIdentifier.identify(zstd).format()).isEqualTo(ImageFormat.EFI_ZBOOT);
    }

    @Test
    void brokenCopies() {
        byte[] f = gzip.clone();
        putU32(f, ZbootHeader.OFF_PAYLOAD_SIZE, gzip.length - header.payloadOffset() + 1);
        assertThatThrownBy(() -> ZbootHeader.parse(f)).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.field()).isEqualTo("payload size"));
        byte[] g = Arrays.copyOf(gzip, (int) (header.payloadOffset() + header.payloadSize() - 1));
        assertThatThrownBy(() -> ZbootHeader.parse(g)).isInstanceOfSatisfying(FormatException.class,
                e -> assertThat(e.describe()).contains("payload size at offset 0xc", "past the end of the file"));
        // the payload is exactly what the header says: cut right after it, the header still holds
        ZbootHeader cut = ZbootHeader.parse(Arrays.copyOf(gzip, (int) (header.payloadOffset() + header.payloadSize())));
        assertThat(cut.decompressedSize()).isEqualTo(header.decompressedSize());
    }
}
