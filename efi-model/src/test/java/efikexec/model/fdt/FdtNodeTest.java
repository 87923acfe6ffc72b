package efikexec.model.fdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FdtNodeTest {
    @Test
    void chosenManipulationsSurviveTheRoundTrip() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.qemuVirt());
        FdtNode chosen = fdt.root().childOrAdd("chosen");
        assertThat(chosen).isSameAs(fdt.node("/chosen").orElseThrow());
        chosen.setProperty("bootargs", "console=ttyAMA0 earlycon");
        chosen.setPropertyU64("linux,uefi-system-table", 0x4_7f00_0000L);
        chosen.setPropertyU64("linux,uefi-mmap-start", 0x4_7e00_1000L);
        chosen.setPropertyU32("linux,uefi-mmap-size", 0x1200);
        chosen.setPropertyU32("linux,uefi-mmap-desc-size", 48);
        chosen.setPropertyU32("linux,uefi-mmap-desc-ver", 1);
        chosen.setPropertyU64("linux,initrd-start", 0x4800_0000L);
        assertThat(chosen.removeProperty("kaslr-seed")).isTrue();
        assertThat(chosen.removeProperty("kaslr-seed")).isFalse();
        chosen.setProperty("stdout-path", "serial0"); // replaced in place, keeps its position

        Fdt again = Fdt.parse(fdt.toBytes());
        assertThat(again).isEqualTo(fdt);
        FdtNode c = again.node("/chosen").orElseThrow();
        assertThat(c.properties().keySet()).containsExactly("stdout-path", "rng-seed", "bootargs",
                "linux,uefi-system-table", "linux,uefi-mmap-start", "linux,uefi-mmap-size",
                "linux,uefi-mmap-desc-size", "linux,uefi-mmap-desc-ver", "linux,initrd-start");
        assertThat(c.propertyString("bootargs")).contains("console=ttyAMA0 earlycon");
        assertThat(c.propertyString("stdout-path")).contains("serial0");
        assertThat(c.propertyU64("linux,uefi-system-table")).hasValue(0x4_7f00_0000L);
        assertThat(c.propertyU64("linux,uefi-mmap-start")).hasValue(0x4_7e00_1000L);
        assertThat(c.propertyU32("linux,uefi-mmap-size")).hasValue(0x1200);
        assertThat(c.propertyU32("linux,uefi-mmap-desc-size")).hasValue(48);
        assertThat(c.property("linux,uefi-system-table").orElseThrow())
                .containsExactly(0, 0, 0, 4, 0x7f, 0, 0, 0);
    }

    @Test
    void chosenIsCreatedWhenAbsentAndCanBeRemoved() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.small());
        assertThat(fdt.root().removeChild("chosen")).isTrue();
        assertThat(fdt.node("/chosen")).isEmpty();
        FdtNode chosen = fdt.root().childOrAdd("chosen");
        chosen.setProperty("bootargs", "quiet");
        assertThat(fdt.root().children().get(fdt.root().children().size() - 1)).isSameAs(chosen);
        Fdt again = Fdt.parse(fdt.toBytes());
        assertThat(again.node("/chosen").orElseThrow().propertyString("bootargs")).contains("quiet");
        assertThat(again).isEqualTo(fdt);
    }

    @Test
    void treeBuiltInMemory() {
        FdtNode root = new FdtNode("");
        root.setPropertyU32("#address-cells", 2).setPropertyU32("#size-cells", 2);
        FdtNode mem = root.addChild("memory@80000000");
        mem.setProperty("device_type", "memory");
        mem.setProperty("reg", new byte[] {0, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0});
        FdtNode bus = root.addChild("soc");
        bus.setPropertyU32("#address-cells", 1);
        FdtNode uart = bus.addChild("uart@1000");
        uart.setProperty("reg", new byte[] {0, 0, 0x10, 0, 0, 0, 1, 0});

        assertThat(mem.reg()).containsExactly(new FdtRange(0x8000_0000L, 0x1_0000_0000L));
        assertThat(bus.sizeCells()).isEqualTo(FdtNode.DEFAULT_SIZE_CELLS);
        assertThat(uart.reg()).containsExactly(new FdtRange(0x1000, 0x100)); // 1 address cell, default 1 size cell
        assertThat(uart.path()).isEqualTo("/soc/uart@1000");
        assertThat(uart.node("/memory@80000000")).containsSame(mem);
        assertThat(root.node("/")).containsSame(root);
        assertThat(root.node("/soc/uart@1000")).containsSame(uart);
        assertThat(root.node("/soc/uart")).isEmpty(); // exact names only
        assertThat(root.stream().map(FdtNode::path))
                .containsExactly("/", "/memory@80000000", "/soc", "/soc/uart@1000");

        Fdt fdt = Fdt.of(root);
        assertThat(Fdt.parse(fdt.toBytes())).isEqualTo(fdt);
    }

    @Test
    void defaultCellsForANodeWithout() {
        FdtNode root = new FdtNode("");
        FdtNode n = root.addChild("n@0");
        assertThat(root.addressCells()).isEqualTo(2);
        assertThat(root.sizeCells()).isEqualTo(1);
        n.setProperty("reg", new byte[12]);
        assertThat(n.reg()).containsExactly(new FdtRange(0, 0));
    }

    @Test
    void equalityIsOrderSensitiveAndIgnoresParent() {
        FdtNode a = new FdtNode("x");
        a.setPropertyU32("a", 1).setPropertyU32("b", 2);
        FdtNode b = new FdtNode("x");
        b.setPropertyU32("b", 2).setPropertyU32("a", 1);
        assertThat(a).isNotEqualTo(b);
        FdtNode c = new FdtNode("x");
        c.setPropertyU32("a", 1).setPropertyU32("b", 2);
        new FdtNode("").addChild(c);
        assertThat(a).isEqualTo(c).hasSameHashCodeAs(c);
        c.setPropertyU32("b", 3);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void deepCopyIsDetachedAndEqual() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.small());
        FdtNode copy = fdt.root().deepCopy();
        assertThat(copy).isEqualTo(fdt.root());
        copy.child("chosen").orElseThrow().setProperty("bootargs", "changed");
        assertThat(fdt.node("/chosen").orElseThrow().propertyString("bootargs")).contains("console=ttyAMA0 root=/dev/vda2");
        FdtNode mem = fdt.node("/memory@40000000").orElseThrow().deepCopy();
        assertThat(mem.parent()).isEmpty();
        assertThat(mem.path()).isEqualTo("/");
    }

    @Test
    void valuesAreCopied() {
        byte[] v = {1, 2, 3};
        FdtNode n = new FdtNode("n");
        n.setProperty("p", v);
        v[0] = 9;
        n.property("p").orElseThrow()[1] = 9;
        assertThat(n.property("p").orElseThrow()).containsExactly(1, 2, 3);
    }

    @Test
    void malformedPropertiesNameThePropertyNodeAndOffset() {
        byte[] dtb = FdtTestBlobs.small();
        Fdt fdt = Fdt.parse(dtb);
        FdtNode chosen = fdt.node("/chosen").orElseThrow();
        long bootargsAt = chosen.sourceOffset("bootargs").orElseThrow();
        assertThatThrownBy(() -> chosen.propertyU32("bootargs"))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("property 'bootargs' of /chosen");
                    assertThat(e.offset()).isEqualTo(bootargsAt);
                    assertThat(e.getMessage()).contains("expected one 32-bit cell");
                });
        assertThat(new String(dtb, (int) bootargsAt, 7, StandardCharsets.US_ASCII)).isEqualTo("console");

        FdtNode mem = fdt.node("/memory@40000000").orElseThrow();
        mem.setProperty("reg", new byte[12]); // not a multiple of (1 + 1) * 4
        assertThatThrownBy(mem::reg).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("property 'reg' of /memory@40000000");
            assertThat(e.offset()).isEqualTo(-1); // set in memory
            assertThat(e.getMessage()).contains("not a multiple of 8");
        });

        mem.setProperty("bad", new byte[] {'a', 'b'});
        assertThatThrownBy(() -> mem.propertyString("bad")).isInstanceOf(FormatException.class)
                .hasMessageContaining("NUL-terminated");
        assertThatThrownBy(() -> mem.propertyU64("device_type")).isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> mem.cells("bad")).isInstanceOf(FormatException.class);

        fdt.root().setPropertyU32("#address-cells", 3);
        assertThatThrownBy(mem::reg).isInstanceOfSatisfying(FormatException.class, e ->
                assertThat(e.getMessage()).contains("#address-cells = 3, #size-cells = 1 of /: expected at most 2 cells"));
        fdt.root().setPropertyU32("#address-cells", 9);
        assertThatThrownBy(fdt.root()::addressCells).isInstanceOfSatisfying(FormatException.class, e ->
                assertThat(e.field()).isEqualTo("property '#address-cells' of /"));
    }

    @Test
    void cellsAndStrings() {
        FdtNode n = new FdtNode("n");
        n.setProperty("c", new byte[] {0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThat(n.cells("c").orElseThrow()).containsExactly(1L, 0xffff_ffffL);
        assertThat(n.propertyU64("c")).hasValue(0x1_ffff_ffffL);
        assertThat(n.cells("absent")).isEmpty();
        assertThat(n.propertyU32("absent")).isEmpty();
        assertThat(n.propertyString("absent")).isEmpty();
        assertThat(n.propertyStrings("absent")).isEmpty();
        n.setProperty("s", "grüße");
        assertThat(n.property("s").orElseThrow()).hasSize(8);
        assertThat(n.propertyString("s")).contains("grüße");
    }

    @Test
    void invalidEdits() {
        FdtNode root = new FdtNode("");
        FdtNode a = root.addChild("a");
        assertThatThrownBy(() -> root.addChild("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> root.addChild(a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> root.addChild("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FdtNode("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.setProperty("", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.setPropertyU32("x", 1L << 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.node("relative")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fdt.of(a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fdt.of(root).toBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        FdtNode detached = new FdtNode("d");
        FdtNode child = detached.addChild("c");
        assertThatThrownBy(() -> child.addChild(detached)).isInstanceOf(IllegalArgumentException.class);
        assertThat(root.removeChild("a")).isTrue();
        assertThat(a.parent()).isEmpty();
        assertThat(root.removeChild("a")).isFalse();
    }
}
