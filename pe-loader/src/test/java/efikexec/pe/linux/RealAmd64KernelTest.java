package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU16;
import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.Fixtures;
import efikexec.pe.IdentifiedImage;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.linux.SetupHeader.XLoadFlag;
import efikexec.pe.reloc.BaseRelocations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debian bookworm's amd64 kernel (scripts/setup: fixtures/bookworm-amd64/vmlinuz, the signed
 * linux-image-6.1.0-NN-amd64), a bzImage with an EFI stub, read once. Skipped when the fixture is
 * missing, failed when CI=true.
 */
class RealAmd64KernelTest {
    private static Path dir;
    private static byte[] kernel;
    private static PeImage pe;
    private static SetupHeader header;

    @BeforeEach
    void readKernelOnce() {
        if (kernel != null) return;
        Path d = Fixtures.cacheDir().resolve("fixtures/bookworm-amd64");
        byte[] k = Fixtures.read(d.resolve("vmlinuz"));
        pe = PeParser.parse(k);
        header = SetupHeader.parse(k);
        dir = d;
        kernel = k;
    }


    /** A line of the kernel's config (unpacked next to vmlinuz), or null. */
    private static String config(String key) {
        try {
            for (String line : Files.readAllLines(dir.resolve("config"))) {
                if (line.startsWith(key + "=")) return line.substring(key.length() + 1);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void setupHeader() {
        assertThat(header.version()).isGreaterThanOrEqualTo(0x020f);
        assertThat(header.versionString()).matches("2\\.1[5-9]|2\\.[2-9][0-9]");
        assertThat(header.bootFlag()).isEqualTo(0xaa55);
        assertThat(header.xloadflagSet()).contains(XLoadFlag.XLF_KERNEL_64, XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G,
                XLoadFlag.XLF_EFI_HANDOVER_64, XLoadFlag.XLF_EFI_KEXEC);
        assertThat(header.has(SetupHeader.LoadFlag.LOADED_HIGH)).as("a bzImage").isTrue();
        assertThat(header.relocatableKernel()).isTrue();
        // the kernel's own configuration says the same
        assertThat(config("CONFIG_KERNEL_XZ")).isEqualTo("y");
        assertThat(header.compression()).isEqualTo(PayloadCompression.XZ);
        assertThat(header.prefAddress()).isEqualTo(Long.decode(config("CONFIG_PHYSICAL_START"))).isEqualTo(0x1000000L);
        assertThat(header.kernelAlignment()).isEqualTo(Long.decode(config("CONFIG_PHYSICAL_ALIGN"))).isEqualTo(0x200000L);
        assertThat(header.cmdlineSize()).isEqualTo(0x7ff);
        // init_size covers the decompressed kernel: far more than the file or the PE image
        assertThat(header.initSize()).isGreaterThan(pe.sizeOfImage()).isGreaterThan(4L * kernel.length);
        assertThat(header.initSize() % 4096).isZero();
    }

    @Test
    void layoutAgreesWithThePeHeaders() {
        // the protected-mode code is the PE .text section, at the same offset in file and image
        PeSection text = pe.section(".text").orElseThrow();
        assertThat(text.pointerToRawData()).isEqualTo(header.setupSize());
        assertThat(text.virtualAddress()).isEqualTo(header.setupSize());
        long pmEnd = header.setupSize() + header.syssize() * 16;
        assertThat(pmEnd).isLessThanOrEqualTo(kernel.length);
        // the payload lies inside .text, the handover entry and PE entry point too
        assertThat(header.payloadFileOffset()).isGreaterThan(header.setupSize());
        assertThat(text.containsRva(header.payloadFileOffset())).isTrue();
        assertThat(text.containsRva(header.payloadFileOffset() + header.payloadLength() - 1)).isTrue();
        assertThat(text.containsRva(header.setupSize() + header.handoverOffset() + 0x200)).as("64-bit handover").isTrue();
        assertThat(text.containsRva(pe.addressOfEntryPoint())).isTrue();
        // kernel_info (protocol 2.15) starts with "LToP"
        int ki = (int) (header.setupSize() + header.kernelInfoOffset());
        assertThat(new String(kernel, ki, 4, StandardCharsets.US_ASCII)).isEqualTo("LToP");
        // the Authenticode signature follows the protected-mode code and ends the file
        assertThat(pe.securityDirectory().isEmpty()).isFalse();
        assertThat(pe.securityDirectory().rva()).isGreaterThanOrEqualTo(pmEnd);
        assertThat(pe.securityDirectory().rva() + pe.securityDirectory().size()).isEqualTo(kernel.length);
    }

    @Test
    void kernelVersionString() throws IOException {
        // VERSION: "linux-image-6.1.0-56-amd64 6.1.192-2"
        String[] v = Files.readString(dir.resolve("VERSION")).trim().split(" ");
        assertThat(header.kernelVersion()).startsWith(v[0].substring("linux-image-".length()) + " ")
                .contains("Debian " + v[1]);
    }

    @Test
    void peHeaders() {
        IdentifiedImage id = ImageIdentifier.identify(kernel);
        assertThat(id.format()).isEqualTo(ImageFormat.X86_BZIMAGE);
        assertThat(id.arch()).isEqualTo("x86_64");
        assertThat(pe.machine()).isEqualTo(0x8664);
        assertThat(pe.magic()).isEqualTo(0x20b);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.imageBase()).isZero();
        assertThat(pe.majorImageVersion()).isGreaterThanOrEqualTo(1); // LoadFile2 initrd support
        assertThat(pe.sections()).extracting(PeSection::name).contains(".text");
        assertThat(pe.sizeOfImage()).isGreaterThan(kernel.length - pe.securityDirectory().size());
        // no PE base relocations: the stub is position independent
        assertThat(BaseRelocations.parse(pe, kernel)).isEmpty();
    }

    private static FormatException broken(Consumer<byte[]> mutation) {
        byte[] f = kernel.clone();
        mutation.accept(f);
        try {
            SetupHeader.parse(f);
        } catch (FormatException e) {
            return e;
        }
        throw new AssertionError("no FormatException");
    }

    private static void assertRefused(FormatException e, String field, long offset, String text) {
        assertThat(e.field()).as(e.describe()).isEqualTo(field);
        assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
        assertThat(e.getMessage()).contains(text);
    }

    @Test
    void brokenCopies() {
        assertRefused(broken(f -> f[0x202] = 'h'), "header", 0x202, "not an x86 bzImage");
        assertRefused(broken(f -> putU16(f, 0x1fe, 0)), "boot_flag", 0x1fe, "expected 0xaa55");
        assertRefused(broken(f -> putU16(f, 0x206, 0x020b)), "version", 0x206, "older than 2.12");
        long pastEnd = kernel.length - header.payloadFileOffset() + 1;
        assertRefused(broken(f -> putU32(f, 0x24c, pastEnd)), "payload_length", 0x24c,
                String.format("past the end of the file (0x%x)", kernel.length));
        assertRefused(broken(f -> putU32(f, 0x248, kernel.length)), "payload_offset", 0x248, "past the end of the file");
        // the identifier only looks at "HdrS": without it the file is a plain PE application
        byte[] f = kernel.clone();
        f[0x202] = 'h';
        assertThat(ImageIdentifier.identify(f).format()).isEqualTo(ImageFormat.PE_APPLICATION);
    }

    @Test
    void truncatedCopies() {
        long payloadEnd = header.payloadFileOffset() + header.payloadLength();
        Object[][] cases = {
            {0x200L, "setup header", 0x1f1L},
            {0x26bL, "setup header", 0x1f1L},
            {0x26cL, "setup_sects", 0x1f1L},
            {header.setupSize() - 1, "setup_sects", 0x1f1L},
            {header.payloadFileOffset() - 1, "payload_offset", 0x248L},
            {header.payloadFileOffset() + 6, "payload_length", 0x24cL},
            {payloadEnd - 1, "payload_length", 0x24cL},
        };
        for (Object[] c : cases) {
            long len = (Long) c[0];
            byte[] f = Arrays.copyOf(kernel, (int) len);
            assertThatThrownBy(() -> SetupHeader.parse(f)).as("truncated at 0x%x", len)
                    .isInstanceOfSatisfying(FormatException.class, e -> assertRefused(e, (String) c[1], (Long) c[2], ""));
        }
        // cut just after the payload (the signature and the tail of .data gone): the header still holds
        assertThat(SetupHeader.parse(Arrays.copyOf(kernel, (int) payloadEnd)).compression())
                .isEqualTo(PayloadCompression.XZ);
    }

    @Test
    void fuzzedHeaders() {
        // corrupt the header of one copy in place (restored after each round) and truncate the first
        // 0x6000 bytes (setup code and the payload's start): only FormatException or success
        Random r = new Random(0xb2_1ad_6e);
        byte[] f = kernel.clone();
        byte[] head = Arrays.copyOf(kernel, 0x6000);
        int ok = 0;
        int refused = 0;
        for (int round = 0; round < 4000; round++) {
            byte[] input;
            if (r.nextInt(4) == 0) {
                input = Arrays.copyOf(head, r.nextInt(head.length + 1));
            } else {
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    int at = 0x1f1 + r.nextInt(SetupHeader.END - 0x1f1);
                    f[at] = r.nextBoolean() ? (byte) (f[at] ^ 1 << r.nextInt(8)) : (byte) r.nextInt(256);
                }
                input = f;
            }
            if (SetupHeaderFuzzTest.exercise(input, round) == null) ok++;
            else refused++;
            System.arraycopy(kernel, 0x1f1, f, 0x1f1, SetupHeader.END - 0x1f1);
        }
        assertThat(ok).isPositive();
        assertThat(refused).isPositive();
    }
}
