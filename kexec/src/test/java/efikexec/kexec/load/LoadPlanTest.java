package efikexec.kexec.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import efikexec.kexec.bundle.BundleFormatException;
import efikexec.kexec.bundle.HandoffBundle;
import efikexec.kexec.syscall.KexecSegmentTable;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.bundle.HandoffElf;
import efikexec.purgatory.bundle.KernelEntry;
import efikexec.purgatory.bundle.Manifest;
import efikexec.purgatory.bundle.StubPlacement;
import efikexec.purgatory.bundle.TargetArch;
import efikexec.purgatory.segment.Segment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundles written by purgatory-gen's own writers, read back and checked against a host map. */
class LoadPlanTest {
    @TempDir
    Path dir;

    /** QEMU q35 with 1 GiB, as its /sys/firmware/memmap reads. */
    static final TargetMemory Q35 = new TargetMemory(
            List.of(new PhysicalRange(0, 0x9fc00), new PhysicalRange(0x100000, 0x3fee0000)),
            List.of(new PhysicalRange(0x9fc00, 0x400), new PhysicalRange(0xf0000, 0x10000),
                    new PhysicalRange(0x3ffe0000, 0x20000), new PhysicalRange(0xb0000000L, 0x10000000)));
    static final long STUB = 0x20_4000;

    static Segment segment(long address, int stored, long memsz) {
        byte[] b = new byte[stored];
        for (int i = 0; i < stored; i++) b[i] = (byte) (i * 31 + 7);
        return new Segment(address, b, memsz);
    }

    Path write(String name, List<Segment> segments, TargetMemory target, long entry) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        byte[] stub = new byte[0x234];
        // with the PVH note x86 bundles carry (after the PT_LOADs): kexec loads PT_LOADs only
        new HandoffElf(TargetArch.X86_64, segments, STUB, stub, STUB + 25).writeTo(d.resolve(HandoffBundle.ELF));
        Map<String, Object> m = Manifest.of(TargetArch.X86_64, segments, new StubPlacement(STUB, stub.length),
                new KernelEntry(entry, Map.of("rsi", 0x3f6ab000L)));
        if (target != null) m.put("target", Manifest.target(target));
        new ObjectMapper().writeValue(d.resolve(HandoffBundle.MANIFEST).toFile(), m);
        return d;
    }

    List<Segment> twoSegments() {
        return List.of(segment(0x100_0000L, 5000, 0x4000), segment(0x3f4c_3000L, 0x1000, 0x1000));
    }

    @Test
    void aBundleForThisMachineBecomesKexecLoadsEntries() throws IOException {
        HandoffBundle b = HandoffBundle.read(write("ok", twoSegments(), Q35, 0x100_0000L));
        assertThat(b.arch()).isEqualTo("x86_64");
        assertThat(b.entry()).isEqualTo(STUB);
        assertThat(b.target()).isEqualTo(Q35);
        LoadPlan p = LoadPlan.check(b, "x86_64", Q35);
        // handoff.elf's PT_LOADs are in address order: the stub first here
        assertThat(p.segments()).extracting(KexecSegmentTable.Entry::mem).containsExactly(STUB, 0x100_0000L, 0x3f4c_3000L);
        // the stub's memsz (0x234) becomes a whole page, as kexec-tools rounds it
        assertThat(p.segments()).extracting(KexecSegmentTable.Entry::memsz).containsExactly(0x1000L, 0x4000L, 0x1000L);
        assertThat(p.segments()).extracting(KexecSegmentTable.Entry::bufsz).containsExactly(0x234L, 5000L, 0x1000L);
        // buf is the offset of the stored bytes in handoff.elf: they are there
        byte[] elf = Files.readAllBytes(b.elfPath());
        assertThat(elf[(int) p.segments().get(1).buf() + 1]).isEqualTo((byte) 38);
        assertThat(p.describe()).last().isEqualTo("kexec_load(entry 0x204000, 3 segments, KEXEC_ARCH_DEFAULT)");
        assertThat(p.describe().get(0)).contains("(entry 0x204000)");
    }

    @Test
    void seventeenSegmentsAreRefusedNamingTheCount() throws IOException {
        List<Segment> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) many.add(segment(0x100_0000L + i * 0x10000L, 16, 0x1000));
        HandoffBundle b = HandoffBundle.read(write("many", many, Q35, 0x100_0000L));
        assertThatThrownBy(() -> LoadPlan.check(b, "x86_64", Q35)).isInstanceOf(LoadRefusedException.class)
                .hasMessageEndingWith("17 PT_LOADs, kexec_load(2) takes at most 16 segments");
    }

    @Test
    void aSegmentOverAReservedRangeOrOutsideRamIsNamed() throws IOException {
        TargetMemory withCrash = new TargetMemory(Q35.ram(), append(Q35.reserved(), new PhysicalRange(0x1c00_0000L, 0x100_0000L)));
        HandoffBundle crash = HandoffBundle.read(write("crash", List.of(segment(0x1c80_0000L, 16, 0x1000)), withCrash, 0));
        assertThatThrownBy(() -> LoadPlan.check(crash, "x86_64", withCrash)).hasMessageContaining(
                "segment 1 [0x1c800000-0x1c801000) bufsz 16 overlaps this machine's reserved range [0x1c000000-0x1d000000)");
        HandoffBundle mmio = HandoffBundle.read(write("mmio", List.of(segment(0xb000_0000L, 16, 0x1000)), Q35, 0));
        assertThatThrownBy(() -> LoadPlan.check(mmio, "x86_64", Q35)).hasMessageContaining(
                "segment 1 [0xb0000000-0xb0001000) bufsz 16 is not inside this machine's RAM");
    }

    @Test
    void aBundleForAnotherMapOrWithoutOneIsRefused() throws IOException {
        TargetMemory bigger = new TargetMemory(List.of(new PhysicalRange(0, 0x9fc00), new PhysicalRange(0x100000, 0x7fee0000)),
                Q35.reserved());
        HandoffBundle b = HandoffBundle.read(write("other", twoSegments(), bigger, 0));
        assertThatThrownBy(() -> LoadPlan.check(b, "x86_64", Q35)).isInstanceOf(WrongMachineException.class).hasMessageContaining(
                "made for another machine: its RAM range [0x100000-0x7ffe0000) is not this machine's");
        HandoffBundle old = HandoffBundle.read(write("old", twoSegments(), null, 0));
        assertThatThrownBy(() -> LoadPlan.check(old, "x86_64", Q35)).hasMessageContaining("no target memory map");
        assertThatThrownBy(() -> LoadPlan.check(HandoffBundle.read(write("arch", twoSegments(), Q35, 0)), "aarch64", Q35))
                .hasMessageEndingWith("a bundle for x86_64, this machine is aarch64");
    }

    @Test
    void overlappingSegmentsAndAnEntryOutsideThemAreNamed() throws IOException {
        Path d = write("entry", twoSegments(), Q35, 0);
        byte[] elf = Files.readAllBytes(d.resolve(HandoffBundle.ELF));
        java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(24, 0x5000_0000L); // e_entry
        Files.write(d.resolve(HandoffBundle.ELF), elf);
        assertThatThrownBy(() -> LoadPlan.check(HandoffBundle.read(d), "x86_64", Q35))
                .hasMessageEndingWith("entry 0x50000000 lies outside every segment");

        java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(24, STUB)
                .putLong(64 + 24, 0x100_2000L); // the stub's p_paddr (PT_LOAD 0) into the kernel's segment
        Files.write(d.resolve(HandoffBundle.ELF), elf);
        assertThatThrownBy(() -> LoadPlan.check(HandoffBundle.read(d), "x86_64", Q35)).hasMessageContaining("overlap");
    }

    @Test
    void aFileThatIsNoBundleIsNamedWithTheOffset() throws IOException {
        Path d = write("bad", twoSegments(), Q35, 0);
        Files.write(d.resolve(HandoffBundle.ELF), new byte[100]);
        assertThatThrownBy(() -> HandoffBundle.read(d)).isInstanceOf(BundleFormatException.class)
                .hasMessage(d.resolve(HandoffBundle.ELF) + ": offset 0: not an ELF file (no \\x7fELF magic)");
        Files.writeString(d.resolve(HandoffBundle.ELF), "");
        assertThatThrownBy(() -> HandoffBundle.read(d)).hasMessageContaining("offset 0");
        Path m = write("manifest", twoSegments(), Q35, 0);
        Files.writeString(m.resolve(HandoffBundle.MANIFEST), "{\"schema\": \"efikexec.handoff/1\", \"arch\": \"x86_64\", "
                + "\"target\": {\"ram\": [{\"start\": \"4096\", \"end\": \"0x2000\"}]}}");
        assertThatThrownBy(() -> HandoffBundle.read(m)).hasMessageEndingWith(
                "field target.ram[0].start: \"4096\", expected \"0x…\" hexadecimal");
    }

    static List<PhysicalRange> append(List<PhysicalRange> l, PhysicalRange r) {
        List<PhysicalRange> out = new ArrayList<>(l);
        out.add(r);
        return out;
    }
}
