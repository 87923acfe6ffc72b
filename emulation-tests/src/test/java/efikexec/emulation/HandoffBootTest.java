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

/**
 * The handoff bundle boots with no firmware (issue 6): Debian's arm64 kernel run by `efikexec
 * handoff` with a busybox initramfs, then QEMU virt TCG with only `-device loader` of
 * handoff.elf: the stub checks every segment's SHA-256 and enters the kernel, which finds our
 * EFI system table and memory map and runs /init. One flipped byte stops the stub instead.
 */
class HandoffBootTest {
    static final String CMDLINE = "console=ttyAMA0";

    @TempDir
    static Path dir;

    static CliRun make;
    static Path bundle;

    static CliRun handoff(Path out) {
        return CliRun.of("handoff", Fixtures.arm64Kernel().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--initrd", dir.resolve("initrd.cpio").toString(), "--cmdline", CMDLINE, "-o", out.toString());
    }

    @BeforeAll
    static void makeTheBundle() throws Exception {
        Files.write(dir.resolve("initrd.cpio"), Fixtures.busyboxInitramfs("arm64"));
        bundle = dir.resolve("bundle");
        make = handoff(bundle);
    }

    static QemuBoot boot(Path elf) {
        return QemuBoot.run(QemuBoot.command("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-m", "1024",
                "-nographic", "-no-reboot", "-device", "loader,file=" + elf + ",cpu-num=0"), Fixtures.INIT_LINE, 120);
    }

    @Test
    void writesTheBundleAndItsManifest() {
        assertEquals(0, make.exitCode(), make::describe);
        JsonNode m = CliRun.json(bundle.resolve("manifest.json"));
        assertEquals("efikexec.handoff/1", m.path("schema").asText());
        assertEquals("aarch64", m.path("arch").asText());
        assertThat(m.path("segments").size()).isBetween(1, 15);
        assertThat(m.path("kernelEntry").path("registers").path("x0").asText()).startsWith("0x");
    }

    @Test
    void theSameInputsMakeTheSameFiles() throws Exception {
        Path again = dir.resolve("again");
        CliRun r = handoff(again);
        assertEquals(0, r.exitCode(), r::describe);
        assertEquals(-1L, Files.mismatch(bundle.resolve("handoff.elf"), again.resolve("handoff.elf")));
        assertEquals(-1L, Files.mismatch(bundle.resolve("manifest.json"), again.resolve("manifest.json")));
    }

    @Test
    void qemuWithNoFirmwareBootsItToInit() {
        assertEquals(0, make.exitCode(), make::describe);
        QemuBoot q = boot(bundle.resolve("handoff.elf"));
        assertThat(q.sawLine()).as(q::tail).isTrue();
        assertThat(q.console()).contains("efi: EFI v2.70 by efikexec").doesNotContain("SHA-256 mismatch");
        System.out.printf("handoff boot to init: %.0f ms%n", q.millis());
    }

    @Test
    void aFlippedByteStopsTheStubBeforeTheKernel() throws Exception {
        assertEquals(0, make.exitCode(), make::describe);
        byte[] elf = Files.readAllBytes(bundle.resolve("handoff.elf"));
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(32);
        int count = b.getShort(56) & 0xffff;
        assertThat(count).isGreaterThan(1);
        JsonNode segments = CliRun.json(bundle.resolve("manifest.json")).path("segments");
        JsonNode target = segments.get(segments.size() / 2);
        long address = CliRun.hex(target.path("mem"));
        int victim = -1;
        for (int i = 0; i < segments.size(); i++) if (segments.get(i) == target) victim = i;
        long offset = -1;
        for (int i = 0; i < count; i++) {
            if (b.getLong((int) phoff + 56 * i + 24) == address) offset = b.getLong((int) phoff + 56 * i + 8);
        }
        assertThat(offset).as("the segment's program header").isPositive();
        elf[(int) offset + 4096] ^= 0x01;
        Path bad = Files.write(dir.resolve("bad.elf"), elf);
        QemuBoot q = QemuBoot.run(QemuBoot.command("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-m", "1024",
                "-nographic", "-no-reboot", "-device", "loader,file=" + bad + ",cpu-num=0"), "SHA-256 mismatch", 60);
        assertThat(q.sawLine()).as(q::tail).isTrue();
        assertThat(q.console()).contains(String.format("segment %d (0x%x", victim, address))
                .doesNotContain("Booting Linux").doesNotContain(Fixtures.INIT_LINE);
    }

    @Test
    void aStateOtherThanTheEntryIsRefusedInOneLine() {
        CliRun r = CliRun.of("handoff", Fixtures.arm64Kernel().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--until", "ebs",
                "-o", dir.resolve("ebs").toString());
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).singleElement().asString().contains("--until");
    }
}
