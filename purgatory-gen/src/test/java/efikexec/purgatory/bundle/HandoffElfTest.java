package efikexec.purgatory.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import efikexec.purgatory.segment.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandoffElfTest {
    static final long STUB = 0x4130_4000L;
    static final byte[] STUB_BYTES = bytes(0x234, 99);

    /** Below the stub: a segment with a zero tail; above it: one of whole pages and one with nothing stored. */
    static final List<Segment> SEGMENTS = List.of(
            new Segment(0x4020_0000L, bytes(0x1800, 1), 0x3000),
            new Segment(0x4800_0000L, bytes(0x2000, 2), 0x2000),
            new Segment(0x4900_0000L, new byte[0], 0x5000));

    static byte[] bytes(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A program header as read back from the file. */
    record Phdr(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz, long align) {
    }

    static List<Phdr> phdrs(ByteBuffer f) {
        List<Phdr> out = new ArrayList<>();
        int phoff = (int) f.getLong(32);
        for (int i = 0; i < (f.getShort(56) & 0xffff); i++) {
            int at = phoff + i * (f.getShort(54) & 0xffff);
            out.add(new Phdr(f.getInt(at), f.getInt(at + 4), f.getLong(at + 8), f.getLong(at + 16), f.getLong(at + 24),
                    f.getLong(at + 32), f.getLong(at + 40), f.getLong(at + 48)));
        }
        return out;
    }

    @Test
    void theHeaderIsAnElf64LittleEndianExecutableEnteredAtTheStub() {
        byte[] elf = new HandoffElf(TargetArch.AARCH64, SEGMENTS, STUB, STUB_BYTES).toBytes();
        ByteBuffer f = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(Arrays.copyOf(elf, 16)).containsExactly(0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(f.getShort(16)).as("e_type").isEqualTo((short) 2);
        assertThat(f.getShort(18)).as("e_machine").isEqualTo((short) 183);
        assertThat(f.getInt(20)).as("e_version").isEqualTo(1);
        assertThat(f.getLong(24)).as("e_entry").isEqualTo(STUB);
        assertThat(f.getLong(32)).as("e_phoff").isEqualTo(64);
        assertThat(f.getLong(40)).as("e_shoff").isZero();
        assertThat(f.getInt(48)).as("e_flags").isZero();
        assertThat(f.getShort(52)).as("e_ehsize").isEqualTo((short) 64);
        assertThat(f.getShort(54)).as("e_phentsize").isEqualTo((short) 56);
        assertThat(f.getShort(56)).as("e_phnum").isEqualTo((short) 4);
        assertThat(f.getShort(60)).as("e_shnum").isZero();
        assertThat(f.getShort(62)).as("e_shstrndx").isZero();
    }

    @Test
    void eachSegmentAndTheStubIsOnePtLoadInAddressOrderWithItsBytesOnAPageOfTheFile() {
        byte[] elf = new HandoffElf(TargetArch.AARCH64, SEGMENTS, STUB, STUB_BYTES).toBytes();
        List<Phdr> p = phdrs(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
        assertThat(p).extracting(Phdr::vaddr).containsExactly(0x4020_0000L, STUB, 0x4800_0000L, 0x4900_0000L);
        assertThat(p).extracting(Phdr::filesz).containsExactly(0x1800L, 0x234L, 0x2000L, 0L);
        assertThat(p).extracting(Phdr::memsz).containsExactly(0x3000L, 0x234L, 0x2000L, 0x5000L);
        assertThat(p).extracting(Phdr::flags).containsExactly(7, 5, 7, 7);
        assertThat(p).allSatisfy(h -> {
            assertThat(h.type()).isEqualTo(1);
            assertThat(h.paddr()).isEqualTo(h.vaddr());
            assertThat(h.align()).isEqualTo(0x1000);
            assertThat(h.offset() % 0x1000).isZero();
        });
        assertThat(p.get(0).offset()).isEqualTo(0x1000); // after the headers, on the first page boundary
        for (int i = 1; i < p.size(); i++) {
            assertThat(p.get(i).offset()).isGreaterThanOrEqualTo(p.get(i - 1).offset() + p.get(i - 1).filesz());
        }
        byte[][] expected = {SEGMENTS.get(0).buffer(), STUB_BYTES, SEGMENTS.get(1).buffer(), new byte[0]};
        for (int i = 0; i < p.size(); i++) {
            int from = (int) p.get(i).offset();
            assertThat(Arrays.copyOfRange(elf, from, from + (int) p.get(i).filesz())).isEqualTo(expected[i]);
        }
        assertThat(elf).hasSize((int) (p.get(2).offset() + 0x2000)); // nothing after the last stored bytes
        // padding between headers and data is zeros
        assertThat(Arrays.copyOfRange(elf, 64 + 4 * 56, 0x1000)).containsOnly(0);
    }

    @Test
    void aStubNotOnAPageKeepsItsOffsetCongruentToItsAddress() {
        byte[] elf = new HandoffElf(TargetArch.X86_64, List.of(), 0x20_0345L, STUB_BYTES).toBytes();
        ByteBuffer f = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(f.getShort(18)).as("e_machine").isEqualTo((short) 62);
        Phdr h = phdrs(f).get(0);
        assertThat(h.offset()).isEqualTo(0x1345);
        assertThat(Arrays.copyOfRange(elf, 0x1345, 0x1345 + STUB_BYTES.length)).isEqualTo(STUB_BYTES);
    }

    /** x86: a PT_NOTE after the PT_LOADs with Xen's PHYS32_ENTRY, which QEMU's -kernel boots as PVH. */
    @Test
    void aPvhEntryBecomesAXenNoteAfterTheLoads(@TempDir Path dir) throws Exception {
        long stub = 0x20_4000L;
        byte[] elf = new HandoffElf(TargetArch.X86_64, List.of(new Segment(0x100_0000L, bytes(0x1800, 1), 0x3000)), stub,
                STUB_BYTES, stub + 25).toBytes();
        ByteBuffer f = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        List<Phdr> p = phdrs(f);
        assertThat(p).extracting(Phdr::type).containsExactly(1, 1, 4);
        assertThat(f.getLong(24)).as("e_entry: kexec still enters the 64-bit main").isEqualTo(stub);
        Phdr note = p.get(2);
        assertThat(note.offset()).isEqualTo(64 + 3 * 56);
        assertThat(note.filesz()).isEqualTo(24);
        assertThat(note.align()).isEqualTo(4);
        ByteBuffer n = ByteBuffer.wrap(elf, (int) note.offset(), 24).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(n.getInt(0)).as("namesz").isEqualTo(4);
        assertThat(n.getInt(4)).as("descsz").isEqualTo(8);
        assertThat(n.getInt(8)).as("XEN_ELFNOTE_PHYS32_ENTRY").isEqualTo(18);
        assertThat(Arrays.copyOfRange(elf, (int) note.offset() + 12, (int) note.offset() + 16)).containsExactly('X', 'e', 'n', 0);
        assertThat(n.getLong(16)).isEqualTo(stub + 25);
        assertThat(p.get(0).offset()).as("the loads still start on the first page").isEqualTo(0x1000);
        Path file = Files.write(dir.resolve("pvh.elf"), elf);
        assertThat(readelf("-nW", file)).contains("Xen").containsPattern("0x00000008\\s").contains("19 40 20 00 00 00 00 00");
    }

    @Test
    void aPvhEntryOutsideTheStubIsRefused() {
        assertThatThrownBy(() -> new HandoffElf(TargetArch.X86_64, List.of(), 0x20_4000L, STUB_BYTES, 0x10_0000L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PVH entry 0x100000: not inside the stub below 4 GiB");
    }

    @Test
    void aStubOverlappingASegmentIsRefused() {
        assertThatThrownBy(() -> new HandoffElf(TargetArch.AARCH64, SEGMENTS, 0x4020_2000L, STUB_BYTES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("[0x40200000-0x40203000) and [0x40202000-0x40202234) overlap");
    }

    @Test
    void theSameInputsGiveTheSameBytesInMemoryAndOnDisk(@TempDir Path dir) throws IOException {
        HandoffElf a = new HandoffElf(TargetArch.AARCH64, SEGMENTS, STUB, STUB_BYTES);
        HandoffElf b = new HandoffElf(TargetArch.AARCH64, List.copyOf(SEGMENTS), STUB, STUB_BYTES.clone());
        Path file = dir.resolve("handoff.elf");
        a.writeTo(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(b.toBytes());
        assertThat(a.fileSize()).isEqualTo(Files.size(file));
    }

    /** GNU readelf accepts the file and reads the same program headers. */
    @Test
    void readelfReadsTheHeadersWeWrote(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("handoff.elf");
        new HandoffElf(TargetArch.AARCH64, SEGMENTS, STUB, STUB_BYTES).writeTo(file);
        String out = readelf("-lhW", file);
        assertThat(out).containsPattern("Class:\\s+ELF64")
                .containsPattern("Data:\\s+2's complement, little endian")
                .containsPattern("Type:\\s+EXEC \\(Executable file\\)")
                .containsPattern("Machine:\\s+AArch64")
                .containsPattern("Entry point address:\\s+0x41304000")
                .containsPattern("Number of program headers:\\s+4")
                .containsPattern("Number of section headers:\\s+0");
        // LOAD  offset  virtaddr  physaddr  filesiz  memsiz  flags  align
        Matcher m = Pattern.compile("(?m)^\\s*LOAD\\s+(0x\\p{XDigit}+)\\s+(0x\\p{XDigit}+)\\s+(0x\\p{XDigit}+)\\s+"
                + "(0x\\p{XDigit}+)\\s+(0x\\p{XDigit}+)\\s(.{3})\\s+(0x\\p{XDigit}+)$").matcher(out);
        List<String> loads = new ArrayList<>();
        while (m.find()) {
            loads.add(String.format("%x %x %x %x %x %s %x", Long.decode(m.group(1)), Long.decode(m.group(2)),
                    Long.decode(m.group(3)), Long.decode(m.group(4)), Long.decode(m.group(5)), m.group(6),
                    Long.decode(m.group(7))));
        }
        assertThat(loads).as(out).containsExactly(
                "1000 40200000 40200000 1800 3000 RWE 1000",
                "3000 41304000 41304000 234 234 R E 1000",
                "4000 48000000 48000000 2000 2000 RWE 1000",
                "6000 49000000 49000000 0 5000 RWE 1000");
    }

    /**
     * GNU readelf's output for {@code file}, which it must read without a warning; no readelf fails
     * the test in CI (scripts/setup installs binutils) and skips it elsewhere.
     */
    static String readelf(String options, Path file) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("readelf", options, file.toString()).redirectErrorStream(false).start();
        } catch (IOException e) {
            if ("true".equals(System.getenv("CI"))) fail("readelf is not on PATH (binutils; scripts/setup installs it)");
            Assumptions.abort("readelf is not on PATH");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        assertThat(err).as("readelf's warnings").isEmpty();
        return out;
    }
}
