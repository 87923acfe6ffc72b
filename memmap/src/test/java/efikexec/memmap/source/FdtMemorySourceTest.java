package efikexec.memmap.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.model.fdt.FdtRange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FdtMemorySourceTest {
    private static final long M = 1L << 20;
    private static final long G = 1L << 30;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = FdtMemorySourceTest.class.getResourceAsStream("/fdt/" + name)) {
            return Objects.requireNonNull(in, name).readAllBytes();
        }
    }

    @Test
    void qemuVirtHasOneGigabyteAt0x40000000() throws IOException {
        TargetMemory m = FdtMemorySource.read(resource("qemu-virt.dtb"));
        assertThat(m.ram()).containsExactly(new PhysicalRange(0x4000_0000L, G));
        assertThat(m.reserved()).isEmpty();
    }

    @Test
    void smallTree() throws IOException {
        TargetMemory m = FdtMemorySource.read(resource("small.dtb"));
        // two nodes, three ranges; the adjacent 0x80000000 and 0x90000000 banks stay apart;
        // the disabled node at 0xc0000000 is skipped
        assertThat(m.ram()).containsExactly(
                new PhysicalRange(0x4000_0000L, 512 * M),
                new PhysicalRange(0x8000_0000L, 256 * M),
                new PhysicalRange(0x9000_0000L, 128 * M));
        // /memreserve/ entries and the static reserved-memory child, sorted; linux,cma (dynamic) ignored
        assertThat(m.reserved()).containsExactly(
                new PhysicalRange(0x4800_0000L, M),
                new PhysicalRange(0x5e00_0000L, 2 * M),
                new PhysicalRange(0x8000_0000L, 0x1000));
    }

    @Test
    void parsedTreeGivesTheSameAnswer() throws IOException {
        byte[] dtb = resource("small.dtb");
        assertThat(FdtMemorySource.read(Fdt.parse(dtb))).isEqualTo(FdtMemorySource.read(dtb));
    }

    private static FdtNode root(int addressCells, int sizeCells) {
        FdtNode root = new FdtNode("");
        root.setPropertyU32("#address-cells", addressCells);
        root.setPropertyU32("#size-cells", sizeCells);
        return root;
    }

    private static byte[] cells(long... c) {
        byte[] b = new byte[4 * c.length];
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < 4; j++) b[4 * i + j] = (byte) (c[i] >>> (24 - 8 * j));
        }
        return b;
    }

    private static FdtNode memory(FdtNode parent, String name, long... reg) {
        FdtNode n = parent.addChild(name);
        n.setProperty("device_type", "memory");
        n.setProperty("reg", cells(reg));
        return n;
    }

    @Test
    void noMemoryNodes() throws IOException {
        byte[] dtb = Fdt.of(root(2, 2)).toBytes();
        assertThatThrownBy(() -> FdtMemorySource.read(dtb)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("memory nodes");
            assertThat(e.offset()).isEqualTo(0x38); // off_dt_struct: header + empty reservation block
            assertThat(e.getMessage()).contains("device_type = \"memory\"");
        });
        // a memory node with only zero-size or disabled ranges is no RAM either
        FdtNode root = root(2, 2);
        memory(root, "memory@0", 0, 0, 0, 0);
        memory(root, "memory@1000", 0, 0x1000, 0, 0x1000).setProperty("status", "disabled");
        assertThatThrownBy(() -> FdtMemorySource.read(Fdt.of(root).toBytes()))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.field()).isEqualTo("memory nodes"));
    }

    @Test
    void cellsComeFromTheParentAndOverlapsMerge() {
        FdtNode root = root(2, 2);
        memory(root, "memory@100000000", 1, 0, 0, 0x4000_0000L);
        FdtNode bus = root.addChild("bus");
        bus.setPropertyU32("#address-cells", 1);
        bus.setPropertyU32("#size-cells", 1);
        memory(bus, "memory@40000000", 0x4000_0000L, 0x2000_0000L, 0x5000_0000L, 0x2000_0000L); // overlapping
        FdtNode usable = memory(root, "memory@c0000000", 0, 0xc000_0000L, 0, 0x1000_0000L);
        usable.setProperty("linux,usable-memory", cells(0, 0xc800_0000L, 0, 0x100_0000L));
        memory(root, "memory@d0000000", 0, 0xd000_0000L, 0, 0x1000).setProperty("status", "okay");

        TargetMemory m = FdtMemorySource.read(Fdt.of(root).toBytes());
        assertThat(m.ram()).containsExactly(
                new PhysicalRange(0x4000_0000L, 0x3000_0000L),
                new PhysicalRange(0xc800_0000L, 0x100_0000L),
                new PhysicalRange(0xd000_0000L, 0x1000),
                new PhysicalRange(0x1_0000_0000L, G));
    }

    @Test
    void reservedMemoryUsesItsOwnCellsAndSkipsDynamicAndDisabled() {
        FdtNode root = root(2, 2);
        memory(root, "memory@40000000", 0, 0x4000_0000L, 0, G);
        FdtNode rm = root.addChild("reserved-memory");
        rm.setPropertyU32("#address-cells", 1);
        rm.setPropertyU32("#size-cells", 1);
        rm.setProperty("ranges", new byte[0]);
        rm.addChild("b@50000000").setProperty("reg", cells(0x5000_0000L, 0x1000, 0x4100_0000L, 0x2000));
        rm.addChild("dyn").setProperty("size", cells(0x100_0000L));
        FdtNode off = rm.addChild("off@60000000");
        off.setProperty("reg", cells(0x6000_0000L, 0x1000));
        off.setProperty("status", "disabled");
        Fdt fdt = new Fdt(root, List.of(new FdtRange(0x5000_0000L, 0x1000), new FdtRange(0x4000_0000L, 0x10000),
                new FdtRange(0x7000_0000L, 0)), 0);

        TargetMemory m = FdtMemorySource.read(fdt.toBytes());
        assertThat(m.reserved()).containsExactly( // sorted, exact duplicate once, zero size dropped
                new PhysicalRange(0x4000_0000L, 0x10000),
                new PhysicalRange(0x4100_0000L, 0x2000),
                new PhysicalRange(0x5000_0000L, 0x1000));
    }

    @Test
    void malformedRegNamesThePropertyAndItsOffset() {
        FdtNode root = root(2, 2);
        memory(root, "memory@40000000", 0, 0x4000_0000L, 0, G, 0); // 5 cells, not a multiple of 4
        byte[] dtb = Fdt.of(root).toBytes();
        long regAt = Fdt.parse(dtb).node("/memory@40000000").orElseThrow().sourceOffset("reg").orElseThrow();
        assertThatThrownBy(() -> FdtMemorySource.read(dtb)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("property 'reg' of /memory@40000000");
            assertThat(e.offset()).isEqualTo(regAt);
            assertThat(e.getMessage()).contains("not a multiple of 16");
        });
    }

    @Test
    void rangesPast2To64AreRejected() {
        FdtNode root = root(2, 2);
        memory(root, "memory@ffffffff00000000", 0xffff_ffffL, 0, 1, 0);
        byte[] dtb = Fdt.of(root).toBytes();
        assertThatThrownBy(() -> FdtMemorySource.read(dtb)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("property 'reg' of /memory@ffffffff00000000");
            assertThat(e.offset()).isPositive();
            assertThat(e.getMessage()).contains("does not end below 2^64");
        });
        FdtNode ok = root(2, 2);
        memory(ok, "memory@ffffffff00000000", 0xffff_ffffL, 0, 0, 0xffff_ffffL);
        assertThat(FdtMemorySource.read(Fdt.of(ok).toBytes()).ram())
                .containsExactly(new PhysicalRange(0xffff_ffff_0000_0000L, 0xffff_ffffL));

        FdtNode huge = root(2, 2);
        memory(huge, "memory@0", 0, 0x1000, 0x8000_0000L, 0);
        assertThatThrownBy(() -> FdtMemorySource.read(Fdt.of(huge).toBytes()))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.getMessage()).contains("2^63"));
        FdtNode wide = root(2, 2); // two overlapping ranges whose union is too large for a PhysicalRange
        memory(wide, "memory@0", 0, 0, 0x7000_0000L, 0, 0x6000_0000L, 0, 0x7000_0000L, 0);
        assertThatThrownBy(() -> FdtMemorySource.read(Fdt.of(wide).toBytes()))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.field()).isEqualTo("memory nodes"));

        Fdt rsv = new Fdt(ok, List.of(new FdtRange(0x1000, 0), new FdtRange(-0x1000L, 0x1000)), 0);
        assertThatThrownBy(() -> FdtMemorySource.read(rsv.toBytes())).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("memory reservation block");
            assertThat(e.offset()).isEqualTo(0x28 + 16); // the second entry
        });
    }

    @Test
    void brokenBlobsAreFormatExceptions() throws IOException {
        byte[] dtb = resource("small.dtb");
        assertThatThrownBy(() -> FdtMemorySource.read(Arrays.copyOf(dtb, 100)))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("fdt header totalsize");
                    assertThat(e.offset()).isEqualTo(4);
                });
        Random random = new Random(97);
        for (int round = 0; round < 4000; round++) {
            byte[] b = dtb.clone();
            // flips in the value bytes of reg, size and memreserve entries are the interesting ones
            for (int i = 0; i < 3; i++) {
                int at = random.nextInt(4) == 0 ? 0x28 + random.nextInt(48) : random.nextInt(b.length);
                b[at] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                FdtMemorySource.read(b);
            } catch (FormatException e) {
                if (e.field().isBlank()) fail("round " + round + ": " + e.describe());
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e, e);
            }
        }
    }
}
