package efikexec.pe;

import static efikexec.pe.SyntheticPe.putU16;
import static efikexec.pe.SyntheticPe.putU32;
import static efikexec.pe.SyntheticPe.putU64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.pe.linux.Arm64ImageHeader;
import efikexec.pe.reloc.BaseRelocations;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Debian bookworm's arm64 kernel (an uncompressed Image with an EFI stub), read once. */
class RealArm64KernelTest {
    private static byte[] kernel;
    private static PeImage pe;
    private static Arm64ImageHeader header;

    /** Reads the kernel for the first test; when it is missing every test is skipped (failed under CI=true). */
    @BeforeEach
    void readKernelOnce() {
        if (kernel != null) return;
        byte[] k = Fixtures.bookwormArm64Kernel();
        pe = PeParser.parse(k);
        header = Arm64ImageHeader.parse(k);
        kernel = k;
    }

    @Test
    void peHeaders() {
        assertThat(pe.machine()).isEqualTo(0xaa64);
        assertThat(pe.arch()).isEqualTo("aarch64");
        assertThat(pe.magic()).isEqualTo(0x20b);
        assertThat(pe.peHeaderOffset()).isEqualTo(0x40);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.imageBase()).isZero();
        assertThat(pe.majorImageVersion()).isGreaterThanOrEqualTo(1); // LoadFile2 initrd support
        assertThat(pe.sizeOfHeaders()).isLessThanOrEqualTo(pe.sizeOfImage());
        assertThat(pe.sections()).extracting(PeSection::name).startsWith(".text").contains(".data");
        PeSection text = pe.section(".text").orElseThrow();
        assertThat(text.isExecutable()).isTrue();
        assertThat(text.fileBackedSize()).isPositive();
        assertThat(text.containsRva(pe.addressOfEntryPoint())).as("entry point in .text").isTrue();
        PeSection data = pe.section(".data").orElseThrow();
        assertThat(data.isWritable()).isTrue();
        assertThat(data.endRva()).isLessThanOrEqualTo(pe.sizeOfImage());
        // the Debian kernel is signed: the certificate table ends the file
        assertThat(pe.securityDirectory().isEmpty()).isFalse();
        assertThat(pe.securityDirectory().rva() + pe.securityDirectory().size()).isEqualTo(kernel.length);
        // and carries no PE base relocations: the kernel relocates itself
        assertThat(pe.baseRelocationDirectory().isEmpty()).isTrue();
        assertThat(BaseRelocations.parse(pe, kernel)).isEmpty();
    }

    @Test
    void imageHeader() {
        assertThat(Arm64ImageHeader.isArm64Image(kernel)).isTrue();
        assertThat(header.magic()).isEqualTo(0x644d5241L);
        assertThat(header.code0() & 0xffff).as("MZ").isEqualTo(0x5a4d);
        assertThat(header.textOffset()).isZero();
        assertThat(header.pageSize()).isEqualTo(4096);
        assertThat(header.bigEndian()).isFalse();
        assertThat(header.imageSize()).as("image_size includes BSS").isGreaterThan(kernel.length);
        assertThat(header.imageSize()).isEqualTo(pe.sizeOfImage());
        assertThat(header.peHeaderOffset()).isEqualTo(pe.peHeaderOffset());
        long entry = header.primaryEntryOffset();
        assertThat(entry).isPositive().isLessThan(header.imageSize());
        assertThat(entry % 4).isZero();
        assertThat(pe.section(".text").orElseThrow().containsRva(entry)).isTrue();
    }

    @Test
    void identified() {
        IdentifiedImage id = ImageIdentifier.identify(kernel);
        assertThat(id.format()).isEqualTo(ImageFormat.ARM64_LINUX_IMAGE);
        assertThat(id.arch()).isEqualTo("aarch64");
    }

    @Test
    void loadsAlignedAndMisaligned() {
        long aligned = 0x4020_0000L; // 2 MiB aligned
        long misaligned = 0x4121_3000L; // 4 KiB aligned only: delta != 0 and != aligned's
        int size = (int) pe.sizeOfImage();
        ByteArrayGuestMemory a = new ByteArrayGuestMemory(aligned, size);
        ByteArrayGuestMemory m = new ByteArrayGuestMemory(misaligned, size);
        a.fill(aligned, size, 0xcc);
        LoadedImage la = pe.load(kernel, a, aligned);
        LoadedImage lm = pe.load(kernel, m, misaligned);
        assertThat(la.delta()).isEqualTo(aligned);
        assertThat(lm.delta()).isEqualTo(misaligned);
        assertThat(la.relocationsApplied()).isZero();
        assertThat(la.entryPoint()).isEqualTo(aligned + pe.addressOfEntryPoint());

        assertThat(a.read(aligned, 64)).isEqualTo(Arrays.copyOf(kernel, 64));
        for (PeSection s : pe.sections()) {
            int n = (int) s.fileBackedSize();
            int from = (int) s.pointerToRawData();
            assertThat(Arrays.equals(a.read(aligned + s.virtualAddress(), n), 0, n, kernel, from, from + n))
                    .as("%s copied", s.name()).isTrue();
            long bss = s.loadedSize() - n;
            if (bss > 0) {
                assertThat(a.read(aligned + s.virtualAddress() + n, (int) bss)).as("%s BSS", s.name()).containsOnly(0);
            }
        }
        // without PE relocations both loads hold the same bytes
        assertThat(Arrays.equals(a.read(aligned, size), m.read(misaligned, size))).isTrue();
    }

    private static FormatException broken(Consumer<byte[]> mutation) {
        byte[] f = kernel.clone();
        mutation.accept(f);
        try {
            ImageIdentifier.identify(f);
        } catch (FormatException e) {
            return e;
        }
        throw new AssertionError("no FormatException");
    }

    @Test
    void brokenCopies() {
        long pe0 = pe.peHeaderOffset();
        FormatException e;
        e = broken(f -> f[1] = 'X');
        assertThat(e.field()).isEqualTo("MZ magic");
        e = broken(f -> f[(int) pe0 + 1] = 'X');
        assertThat(e.field()).isEqualTo("PE signature");
        assertThat(e.offset()).isEqualTo(pe0);
        e = broken(f -> putU16(f, pe.optionalHeaderOffset(), 0x10b));
        assertThat(e.field()).isEqualTo("Magic");
        assertThat(e.getMessage()).contains("PE32 images are not supported");
        e = broken(f -> putU32(f, 0x3c, kernel.length));
        assertThat(e.field()).isEqualTo("e_lfanew");
        e = broken(f -> putU32(f, pe.optionalHeaderOffset() + 16, pe.sizeOfImage()));
        assertThat(e.field()).isEqualTo("AddressOfEntryPoint");
        e = broken(f -> putU64(f, 24, header.flags() | 1));
        assertThat(e.field()).isEqualTo("flags");
        assertThat(e.offset()).isEqualTo(0x18);
        assertThat(e.getMessage()).contains("big-endian kernel");
        e = broken(f -> putU64(f, 16, 0));
        assertThat(e.field()).isEqualTo("image_size");
        assertThat(e.offset()).isEqualTo(0x10);
        e = broken(f -> putU32(f, 4, 0xd503201fL));
        assertThat(e.field()).isEqualTo("code1");
        assertThat(e.offset()).isEqualTo(4);
    }

    @Test
    void brokenImageMagicMakesItAPlainPe() {
        // without "ARM\x64" it is no longer a Linux Image, but still a valid PE application
        byte[] head = Arrays.copyOf(kernel, 64);
        head[0x38] = 'X';
        assertThatThrownBy(() -> Arm64ImageHeader.parse(head)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("magic");
            assertThat(e.offset()).isEqualTo(0x38);
        });
        byte[] f = kernel.clone();
        f[0x38] = 'X';
        assertThat(ImageIdentifier.identify(f).format()).isEqualTo(ImageFormat.PE_APPLICATION);
    }

    @Test
    void truncatedCopies() {
        PeSection last = pe.sections().get(pe.sections().size() - 1);
        long[][] cases = {
            {0x30, 0x3c}, // DOS header
            {pe.peHeaderOffset() + 10, pe.coffHeaderOffset()}, // COFF header
            {pe.optionalHeaderOffset() + 50, pe.optionalHeaderOffset()}, // optional header
            {pe.sectionTableOffset() + 50, pe.sectionTableOffset()}, // section table
            {last.pointerToRawData() + last.sizeOfRawData() / 2,
                pe.sectionHeaderOffset(pe.sections().size() - 1) + 20}, // section data
        };
        for (long[] c : cases) {
            byte[] f = Arrays.copyOf(kernel, (int) c[0]);
            assertThatThrownBy(() -> PeParser.parse(f)).as("truncated at 0x%x", c[0])
                    .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.offset()).isEqualTo(c[1]));
        }
    }
}
