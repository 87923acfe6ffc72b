package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The x86_64 handoff bundle boots with no firmware of ours (issue 6): Debian's amd64 kernel run by
 * `efikexec handoff` with a busybox initramfs, then QEMU q35 TCG with handoff-multiboot.elf as
 * -kernel (SeaBIOS' Multiboot loader enters the stub's 32-bit prologue, which goes to long mode):
 * the stub checks every segment's SHA-256 and enters startup_64, which takes our e820 map and EFI
 * system table and runs /init; handoff.elf boots the same way as a PVH kernel. One flipped byte
 * stops the stub instead.
 */
class X64HandoffBootTest {
    static final String CMDLINE = "console=ttyS0";

    @TempDir
    static Path dir;

    static CliRun make;
    static Path bundle;

    static CliRun handoff(Path out) {
        return CliRun.of("handoff", Fixtures.amd64Kernel().toString(), "--initrd", dir.resolve("initrd.cpio").toString(),
                "--cmdline", CMDLINE, "-o", out.toString());
    }

    @BeforeAll
    static void makeTheBundle() throws Exception {
        Files.write(dir.resolve("initrd.cpio"), Fixtures.busyboxInitramfs("amd64"));
        bundle = dir.resolve("bundle");
        long t0 = System.nanoTime();
        make = handoff(bundle);
        System.out.printf("x86 handoff bundle made in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    }

    static QemuBoot boot(Path elf, String line, long timeoutSeconds) {
        return QemuBoot.run(QemuBoot.command("qemu-system-x86_64", "-M", "q35", "-m", "1024", "-nographic",
                "-no-reboot", "-kernel", elf.toString()), line, timeoutSeconds);
    }

    @Test
    void writesBothElfsAndTheManifest() throws Exception {
        assertEquals(0, make.exitCode(), make::describe);
        JsonNode m = CliRun.json(bundle.resolve("manifest.json"));
        assertEquals("x86_64", m.path("arch").asText());
        assertThat(m.path("segments").size()).isBetween(1, 15);
        assertThat(m.path("kernelEntry").path("registers").path("rsi").asText()).startsWith("0x");
        ByteBuffer kexec = ByteBuffer.wrap(Files.readAllBytes(bundle.resolve("handoff.elf"))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(kexec.get(4)).as("ELFCLASS64").isEqualTo((byte) 2);
        assertThat(kexec.getShort(18)).as("EM_X86_64").isEqualTo((short) 62);
        assertThat(kexec.getLong(24)).as("kexec enters the stub's 64-bit main").isEqualTo(CliRun.hex(m.path("entry")));
        ByteBuffer mb = ByteBuffer.wrap(Files.readAllBytes(bundle.resolve("handoff-multiboot.elf")))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(mb.get(4)).as("ELFCLASS32").isEqualTo((byte) 1);
        assertThat(mb.getShort(18)).as("EM_386").isEqualTo((short) 3);
        assertThat(mb.getInt(24) & 0xfff).as("the 32-bit prologue, slot +25 of a page-aligned stub").isEqualTo(25);
        assertThat(mb.getShort(44) + 1).as("the same PT_LOADs, and handoff.elf's PVH note").isEqualTo(kexec.getShort(56));
        int note = (int) kexec.getLong(32) + 56 * mb.getShort(44);
        assertThat(kexec.getInt(note)).as("PT_NOTE last").isEqualTo(4);
        int desc = (int) kexec.getLong(note + 8) + 16;
        assertThat(kexec.getLong(desc)).as("PVH entry: the same 32-bit prologue, in the kexec stub")
                .isEqualTo(CliRun.hex(m.path("entry")) + 25);
        // the short span: the kernel (split at its zero runs: a chain of segments end to end)
        // stays, the stub and the other segments follow it: about the segments' total size
        int phoff = mb.getInt(28);
        long low = Long.MAX_VALUE;
        long high = 0;
        for (int i = 0; i < mb.getShort(44); i++) {
            long a = mb.getInt(phoff + 32 * i + 12) & 0xffffffffL;
            low = Math.min(low, a);
            high = Math.max(high, a + (mb.getInt(phoff + 32 * i + 20) & 0xffffffffL));
        }
        long total = 0;
        for (JsonNode s : m.path("segments")) total += CliRun.hex(s.path("memsz"));
        assertThat(high - low).as("Multiboot span").isLessThan(total + (16L << 20));
    }

    @Test
    void theSameInputsMakeTheSameFiles() {
        Path again = dir.resolve("again");
        CliRun r = handoff(again);
        assertEquals(0, r.exitCode(), r::describe);
        for (String f : new String[] {"handoff.elf", "handoff-multiboot.elf", "manifest.json"}) {
            try {
                assertEquals(-1L, Files.mismatch(bundle.resolve(f), again.resolve(f)), f);
            } catch (java.io.IOException e) {
                throw new AssertionError(f, e);
            }
        }
    }

    /**
     * Both files: handoff-multiboot.elf through QEMU's Multiboot loader, and handoff.elf itself as
     * PVH (QEMU loads its PT_LOADs in place and enters the same 32-bit prologue).
     */
    @ParameterizedTest
    @ValueSource(strings = {"handoff-multiboot.elf", "handoff.elf"})
    void qemuBootsItToInit(String file) {
        assertEquals(0, make.exitCode(), make::describe);
        QemuBoot q = boot(bundle.resolve(file), Fixtures.INIT_LINE, 120);
        assertThat(q.sawLine()).as(q::tail).isTrue();
        assertThat(q.console()).contains("efi: EFI v2.70 by efikexec").contains("BIOS-e820:")
                .doesNotContain("SHA-256 mismatch");
        System.out.printf("x86 handoff boot of %s to init: %.0f ms%n", file, q.millis());
    }

    @Test
    void aFlippedByteStopsTheStubBeforeTheKernel() throws Exception {
        assertEquals(0, make.exitCode(), make::describe);
        byte[] elf = Files.readAllBytes(bundle.resolve("handoff-multiboot.elf"));
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        int phoff = b.getInt(28);
        int count = b.getShort(44);
        JsonNode segments = CliRun.json(bundle.resolve("manifest.json")).path("segments");
        // a segment the prologue moves (loaded next to the stub, copied to its place): its PT_LOAD is
        // the one with its bufsz and memsz; the stub must name it by its real address
        int victim = segments.size() / 2;
        long address = CliRun.hex(segments.get(victim).path("mem"));
        long size = CliRun.hex(segments.get(victim).path("memsz"));
        long bufsz = segments.get(victim).path("bufsz").asLong();
        long offset = -1;
        for (int i = 0; i < count; i++) {
            if ((b.getInt(phoff + 32 * i + 16) & 0xffffffffL) == bufsz && (b.getInt(phoff + 32 * i + 20) & 0xffffffffL) == size) {
                offset = b.getInt(phoff + 32 * i + 4);
            }
        }
        assertThat(offset).as("the segment's program header").isPositive();
        elf[(int) offset + 100] ^= 0x01;
        Path bad = Files.write(dir.resolve("bad.elf"), elf);
        QemuBoot q = boot(bad, "SHA-256 mismatch", 60);
        assertThat(q.sawLine()).as(q::tail).isTrue();
        assertThat(q.console()).contains(String.format("efikexec handoff: segment %d (0x%x, %d bytes): SHA-256 mismatch",
                victim, address, size)).doesNotContain("Linux version").doesNotContain(Fixtures.INIT_LINE);
    }
}
