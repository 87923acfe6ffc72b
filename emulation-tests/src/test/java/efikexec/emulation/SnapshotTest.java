package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.table.ConfigTables;
import efikexec.emulator.cpu.Aarch64Adapter;
import efikexec.emulator.run.EfiRunner;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunLimits;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.run.Snapshot;
import efikexec.emulator.run.Until;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.memmap.source.FdtMemorySource;
import efikexec.model.MemoryType;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.pe.linux.Arm64ImageHeader;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshot at kernel entry (issue 6, item 1) of Debian's arm64 kernel with an initrd: every
 * thing the kernel reads after entry is inside it, and nothing the firmware used only before
 * ExitBootServices is.
 */
class SnapshotTest {
    static Snapshot snapshot;
    static byte[] initrd;
    static List<ConfigTables.Entry> configTables;
    static long imageBase, imageSize;

    @BeforeAll
    static void run() {
        byte[] kernel = Fixtures.read(Fixtures.arm64Kernel());
        byte[] dtb = Fixtures.read(Fixtures.qemuVirtDtb());
        initrd = Fixtures.initrd();
        FirmwareOptions options = new FirmwareOptions(FdtMemorySource.read(dtb), kernel, "vmlinuz", "console=ttyAMA0",
                initrd, dtb, 0, null, text -> { });
        try (UnicornBackend cpu = UnicornBackend.openAarch64(InProcessRun.unicorn())) {
            RunResult r = new EfiRunner(cpu, new Aarch64Adapter(Arm64ImageHeader.parse(kernel)))
                    .run(options, Until.ENTRY, new RunLimits(0, 60_000, false));
            assertEquals(Outcome.KERNEL_ENTRY, r.outcome());
            snapshot = Snapshot.take(r, "aarch64");
            configTables = List.copyOf(r.firmware().configTables().entries());
            imageBase = r.image().base();
            imageSize = r.image().size();
        }
    }

    /** The snapshot's bytes at [at, at + n), failing when any of it lies outside every range. */
    static byte[] read(long at, int n) {
        for (Snapshot.Range x : snapshot.ranges()) {
            if (at >= x.start() && at + n <= x.end()) {
                return Arrays.copyOfRange(x.bytes(), (int) (at - x.start()), (int) (at - x.start() + n));
            }
        }
        throw new AssertionError(String.format("[0x%x, +0x%x) is not inside the snapshot", at, n));
    }

    static Snapshot.Range rangeOf(long at) {
        return snapshot.ranges().stream().filter(x -> at >= x.start() && at < x.end()).findFirst()
                .orElseThrow(() -> new AssertionError(String.format("0x%x is not inside the snapshot", at)));
    }

    @Test
    void keepsOnlyWhatTheKernelCanReadAndIsOrdered() {
        assertThat(snapshot.ranges()).isNotEmpty().allMatch(x -> Snapshot.KEPT.contains(x.type()));
        for (int i = 1; i < snapshot.ranges().size(); i++) {
            assertThat(snapshot.ranges().get(i).start()).isGreaterThanOrEqualTo(snapshot.ranges().get(i - 1).end());
        }
        assertThat(snapshot.ranges()).allMatch(x -> x.start() % 4096 == 0 && x.bytes().length % 4096 == 0);
        assertThat(snapshot.bytes()).as("EFI-NOTES: 33–56 MB for the Debian kernels").isBetween(20L << 20, 100L << 20);
    }

    @Test
    void theKernelItsFdtAndItsCommandLineAreInside() {
        assertThat(rangeOf(snapshot.entry()).type()).isEqualTo(MemoryType.LOADER_CODE);
        long x0 = snapshot.registers().get("x0");
        byte[] head = read(x0, 8);
        int size = ((head[4] & 0xff) << 24) | ((head[5] & 0xff) << 16) | ((head[6] & 0xff) << 8) | (head[7] & 0xff);
        Fdt fdt = Fdt.parse(read(x0, size));
        FdtNode chosen = fdt.node("/chosen").orElseThrow();
        assertThat(chosen.propertyString("bootargs")).contains("console=ttyAMA0");
        long systemTable = chosen.propertyU64("linux,uefi-system-table").orElseThrow();
        assertThat(rangeOf(systemTable).type()).isEqualTo(MemoryType.RUNTIME_SERVICES_DATA);
        assertThat(new String(read(systemTable, 8), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("IBI SYST");
        long mmap = chosen.propertyU64("linux,uefi-mmap-start").orElseThrow();
        read(mmap, (int) chosen.propertyU32("linux,uefi-mmap-size").orElseThrow());
    }

    /** Without nokaslr the stub copies the kernel: the image it was loaded as is not needed after entry. */
    @Test
    void theImageTheKernelLeftIsLeftOut() {
        assertThat(snapshot.entry() >= imageBase && snapshot.entry() < imageBase + imageSize).as("KASLR moved the kernel").isFalse();
        assertThat(snapshot.ranges()).noneMatch(x -> x.start() < imageBase + imageSize && imageBase < x.end());
    }

    @Test
    void everyConfigTableAndTheInitrdAreInside() {
        for (ConfigTables.Entry e : configTables) read(e.table(), 8);
        ConfigTables.Entry initrdTable = configTables.stream()
                .filter(e -> e.guid().equals(efikexec.model.KnownGuids.LINUX_EFI_INITRD_MEDIA)).findFirst().orElseThrow();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(read(initrdTable.table(), 16)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long base = b.getLong(), size = b.getLong();
        assertEquals(initrd.length, size);
        assertThat(read(base, (int) size)).isEqualTo(initrd);
    }
}
