package efikexec.pe.uki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.DataDirectory;
import efikexec.pe.Fixtures;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.Machine;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.SyntheticPe;
import efikexec.pe.write.PeWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UkiBuilderTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A small stand-in for a kernel: a valid PE of the stub's machine. */
    private static byte[] kernel() {
        return new SyntheticPe().machine(Machine.IMAGE_FILE_MACHINE_AMD64).build();
    }

    /**
     * A stub with header room for the UKI's sections, as systemd's stubs have: FileAlignment
     * 0x1000 makes SizeOfHeaders 0x1000.
     */
    private static byte[] stub() {
        return new PeWriter().machine(Machine.IMAGE_FILE_MACHINE_AMD64).fileAlignment(0x1000).entryPoint(0x1000)
                .section(".text", 0x60000020, new byte[] {0x31, (byte) 0xc0, (byte) 0xc3})
                .section(".sdata", 0xc0000040, "stub data".getBytes(StandardCharsets.US_ASCII)).build();
    }

    private static UkiBuilder full(byte[] stub) {
        return new UkiBuilder(stub, kernel()).osRelease("ID=debian\n".getBytes(StandardCharsets.UTF_8))
                .cmdline("console=ttyS0 quiet").uname("6.1.0-56-amd64")
                .initrd(random(1001, 1)).initrd(random(2000, 2)).dtb(random(300, 3));
    }

    @Test
    void sectionsFollowTheStubsInUkifyOrderAlignedAndReadBack() {
        byte[] stub = stub();
        PeImage stubPe = PeParser.parse(stub);
        byte[] uki = full(stub).build();
        PeImage pe = PeParser.parse(uki);

        List<String> names = pe.sections().stream().map(PeSection::name).toList();
        List<String> stubNames = stubPe.sections().stream().map(PeSection::name).toList();
        assertThat(names.subList(0, stubNames.size())).isEqualTo(stubNames);
        assertThat(names.subList(stubNames.size(), names.size()))
                .containsExactly(".osrel", ".cmdline", ".dtb", ".uname", ".initrd", ".sbat", ".linux");

        PeSection previous = stubPe.sections().get(stubPe.sections().size() - 1);
        for (PeSection s : pe.sections().subList(stubNames.size(), names.size())) {
            assertThat(s.virtualAddress() % pe.sectionAlignment()).isZero();
            assertThat(s.pointerToRawData() % pe.fileAlignment()).isZero();
            assertThat(s.sizeOfRawData() % pe.fileAlignment()).isZero();
            assertThat(s.virtualAddress()).isEqualTo(roundUp(previous.virtualAddress() + previous.virtualSize(),
                    pe.sectionAlignment()));
            previous = s;
        }
        assertThat(pe.sizeOfImage()).isEqualTo(roundUp(previous.virtualAddress() + previous.virtualSize(), pe.sectionAlignment()));
        assertThat(pe.checksum()).isEqualTo(PeWriter.checksum(uki, (int) pe.checksumFieldOffset())).isNotZero();
        // the stub's own bytes are where they were
        PeSection text = stubPe.sections().get(0);
        assertThat(Arrays.copyOfRange(uki, (int) text.pointerToRawData(), (int) (text.pointerToRawData() + text.sizeOfRawData())))
                .isEqualTo(Arrays.copyOfRange(stub, (int) text.pointerToRawData(), (int) (text.pointerToRawData() + text.sizeOfRawData())));
        assertThat(pe.addressOfEntryPoint()).isEqualTo(stubPe.addressOfEntryPoint());

        UkiSections parts = new UkiSections(pe, uki);
        assertThat(parts.text(".cmdline")).contains("console=ttyS0 quiet");
        assertThat(parts.text(".uname")).contains("6.1.0-56-amd64");
        assertThat(parts.text(".osrel")).contains("ID=debian\n");
        assertThat(parts.bytes(".linux")).hasValueSatisfying(b -> assertThat(b).isEqualTo(kernel()));
        assertThat(parts.bytes(".dtb")).hasValueSatisfying(b -> assertThat(b).isEqualTo(random(300, 3)));
        // two initrds: each padded to 4 bytes, concatenated
        byte[] initrd = parts.bytes(".initrd").orElseThrow();
        assertThat(initrd).hasSize(1004 + 2000);
        assertThat(Arrays.copyOfRange(initrd, 0, 1001)).isEqualTo(random(1001, 1));
        assertThat(Arrays.copyOfRange(initrd, 1001, 1004)).containsOnly(0);
        assertThat(Arrays.copyOfRange(initrd, 1004, 3004)).isEqualTo(random(2000, 2));
        assertThat(parts.text(".sbat").orElseThrow()).isEqualTo(Sbat.HEADER + "\n" + Sbat.UKI_LINE + "\n");
        assertThat(ImageIdentifier.identify(uki).format()).isEqualTo(ImageFormat.UKI);
        assertThat(pe.section(".linux").orElseThrow().characteristics())
                .isEqualTo(PeSection.IMAGE_SCN_MEM_READ | PeSection.IMAGE_SCN_CNT_CODE);
        assertThat(pe.section(".cmdline").orElseThrow().characteristics())
                .isEqualTo(PeSection.IMAGE_SCN_MEM_READ | PeSection.IMAGE_SCN_CNT_INITIALIZED_DATA);
    }

    @Test
    void profilesFollowTheKernelEachAProfileSectionThenItsOwnSections() {
        byte[] uki = new UkiBuilder(stub(), kernel()).cmdline("base").profile("ID=default", null)
                .profile("ID=rescue\nTITLE=Rescue", "rescue").build();
        PeImage pe = PeParser.parse(uki);
        List<String> names = pe.sections().stream().map(PeSection::name).toList();
        assertThat(names.subList(names.indexOf(".cmdline"), names.size()))
                .containsExactly(".cmdline", ".sbat", ".linux", ".profile", ".profile", ".cmdline");
        PeSection rescue = pe.sections().get(names.size() - 2);
        assertThat(new String(Arrays.copyOfRange(uki, (int) rescue.pointerToRawData(),
                (int) (rescue.pointerToRawData() + rescue.virtualSize())), StandardCharsets.UTF_8)).isEqualTo("ID=rescue\nTITLE=Rescue");
        PeSection last = pe.sections().get(names.size() - 1);
        assertThat(new String(Arrays.copyOfRange(uki, (int) last.pointerToRawData(),
                (int) (last.pointerToRawData() + last.virtualSize())), StandardCharsets.UTF_8)).isEqualTo("rescue");
        assertThat(new UkiSections(pe, uki).text(".cmdline")).as("the base .cmdline is the first").contains("base");
    }

    @Test
    void sameInputsSameBytes() {
        assertThat(full(stub()).build()).isEqualTo(full(stub()).build());
    }

    @Test
    void partsLeftOutAreNotWritten() {
        PeImage pe = PeParser.parse(new UkiBuilder(stub(), kernel()).build());
        assertThat(pe.sections().stream().map(PeSection::name)).endsWith(".sbat", ".linux").doesNotContain(".cmdline", ".initrd");
    }

    @Test
    void aSignedStubIsRefused() {
        byte[] stub = stub();
        long dir = PeParser.parse(stub).dataDirectoryOffset(DataDirectory.SECURITY);
        SyntheticPe.putU32(stub, dir, stub.length);
        SyntheticPe.putU32(stub, dir + 4, 0x10);
        byte[] signed = Arrays.copyOf(stub, stub.length + 0x10);
        assertThatThrownBy(() -> new UkiBuilder(signed, kernel()).build()).isInstanceOf(FormatException.class)
                .hasMessageContaining("signed").extracting(e -> ((FormatException) e).field()).isEqualTo("stub: Certificate Table");
    }

    @Test
    void aKernelOfAnotherMachineIsRefused() {
        byte[] arm = new SyntheticPe().machine(Machine.IMAGE_FILE_MACHINE_ARM64).arm64Header().build();
        assertThatThrownBy(() -> new UkiBuilder(stub(), arm).build()).isInstanceOf(FormatException.class)
                .hasMessageContaining("aarch64").extracting(e -> ((FormatException) e).field()).isEqualTo("linux: Machine");
    }

    @Test
    void aKernelThatIsNoPeIsRefusedAsTheKernel() {
        byte[] junk = random(4096, 9);
        assertThatThrownBy(() -> new UkiBuilder(stub(), junk).build()).isInstanceOf(FormatException.class)
                .extracting(e -> ((FormatException) e).field()).asString().startsWith("linux: ");
    }

    @Test
    void aUkiIsNoStub() {
        byte[] uki = new UkiBuilder(stub(), kernel()).build();
        assertThatThrownBy(() -> new UkiBuilder(uki, kernel()).build()).isInstanceOf(FormatException.class)
                .hasMessageContaining(".linux");
    }

    @Test
    void noHeaderRoomIsRefused() {
        // SyntheticPe's 0x200 bytes of headers hold its own three section headers and no more
        byte[] small = new SyntheticPe().build();
        assertThatThrownBy(() -> new UkiBuilder(small, small).cmdline("x").build()).isInstanceOf(FormatException.class)
                .hasMessageContaining("no room for the .cmdline section header")
                .extracting(e -> ((FormatException) e).field()).isEqualTo("stub: SizeOfHeaders");
    }

    @Test
    void sbatLinesOfStubAndKernelAreMerged() {
        List<String> lines = List.of("systemd,1,The systemd Developers,systemd,252,https://systemd.io/");
        assertThat(new String(Sbat.merge(List.of(lines, List.of("linux,1,Debian,linux,6.1,https://debian.org"))), StandardCharsets.UTF_8))
                .isEqualTo(Sbat.HEADER + "\n" + lines.get(0) + "\nlinux,1,Debian,linux,6.1,https://debian.org\n" + Sbat.UKI_LINE + "\n\0");
    }

    /** Debian bookworm's systemd-stub (252) for both architectures with the bookworm kernels. */
    @Test
    void realStubsAndKernels() {
        for (String[] a : new String[][] {{"arm64", "linuxaa64.efi.stub"}, {"amd64", "linuxx64.efi.stub"}}) {
            byte[] stub = Fixtures.read(Fixtures.cacheDir().resolve("fixtures/systemd-boot-efi-bookworm-" + a[0] + "/" + a[1]));
            byte[] linux = Fixtures.read(Fixtures.cacheDir().resolve("fixtures/bookworm-" + a[0] + "/vmlinuz"));
            UkiBuilder b = new UkiBuilder(stub, linux).cmdline("console=ttyS0").initrd(random(5000, 5));
            byte[] uki = b.build();
            assertThat(new UkiBuilder(stub, linux).cmdline("console=ttyS0").initrd(random(5000, 5)).build()).isEqualTo(uki);
            PeImage pe = PeParser.parse(uki);
            UkiSections parts = new UkiSections(pe, uki);
            assertThat(parts.bytes(".linux")).hasValueSatisfying(l -> assertThat(l).isEqualTo(linux));
            assertThat(pe.checksum()).isEqualTo(PeWriter.checksum(uki, (int) pe.checksumFieldOffset()));
            assertThat(ImageIdentifier.identify(uki).format()).isEqualTo(ImageFormat.UKI);
            if (a[0].equals("amd64")) {
                // 252's x86 stub has .sdmagic right after a small .sbat: the merged one cannot go there
                assertThat(b.warnings()).singleElement().asString().contains(".sbat");
                assertThat(parts.text(".sbat").orElseThrow()).startsWith("sbat,1,").doesNotContain("uki,1");
            } else {
                assertThat(b.warnings()).isEmpty();
                assertThat(parts.text(".sbat").orElseThrow()).endsWith(Sbat.UKI_LINE + "\n");
            }
        }
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
