package efikexec.model.fdt;

import static efikexec.model.fdt.FdtTestBlobs.put32;
import static efikexec.model.fdt.FdtTestBlobs.u32;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FdtParseTest {
    @Test
    void qemuVirtMachine() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.qemuVirt());
        FdtNode root = fdt.root();
        assertThat(root.name()).isEmpty();
        assertThat(root.path()).isEqualTo("/");
        assertThat(root.propertyString("compatible")).contains("linux,dummy-virt");
        assertThat(root.addressCells()).isEqualTo(2);
        assertThat(root.sizeCells()).isEqualTo(2);
        assertThat(fdt.reservations()).isEmpty();
        assertThat(fdt.bootCpuId()).isZero();

        FdtNode memory = fdt.node("/memory@40000000").orElseThrow();
        assertThat(memory.propertyString("device_type")).contains("memory");
        assertThat(memory.reg()).containsExactly(new FdtRange(0x4000_0000L, 1L << 30));

        FdtNode cpu = fdt.node("/cpus/cpu@0").orElseThrow();
        assertThat(cpu.path()).isEqualTo("/cpus/cpu@0");
        assertThat(cpu.reg()).containsExactly(new FdtRange(0, 0)); // #size-cells = <0> in /cpus
        assertThat(cpu.propertyU32("phandle")).hasValue(0x8001);

        FdtNode chosen = fdt.node("/chosen").orElseThrow();
        assertThat(chosen.propertyString("stdout-path")).contains("/pl011@9000000");
        assertThat(chosen.property("rng-seed").orElseThrow()).hasSize(32);
        assertThat(chosen.propertyU64("kaslr-seed")).isPresent();
        assertThat(fdt.node("/psci").orElseThrow().propertyStrings("compatible"))
                .containsExactly("arm,psci-1.0", "arm,psci-0.2", "arm,psci");
        assertThat(fdt.node("/nonexistent")).isEmpty();
        assertThat(fdt.node("/cpus/cpu@1")).isEmpty();
    }

    @Test
    void sourceOffsetPointsAtTheValueInTheBlob() {
        byte[] dtb = FdtTestBlobs.qemuVirt();
        FdtNode memory = Fdt.parse(dtb).node("/memory@40000000").orElseThrow();
        int at = (int) memory.sourceOffset("reg").orElseThrow();
        assertThat(u32(dtb, at + 4)).isEqualTo(0x4000_0000);
        assertThat(u32(dtb, at - 8)).isEqualTo(16); // len field
        memory.setProperty("reg", new byte[16]);
        assertThat(memory.sourceOffset("reg")).isEmpty();
    }

    @Test
    void smallTreeFromDtc() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.small());
        assertThat(fdt.reservations()).containsExactly(
                new FdtRange(0x4800_0000L, 0x10_0000L), new FdtRange(0x8000_0000L, 0x1000L));
        assertThat(fdt.root().addressCells()).isEqualTo(1);
        assertThat(fdt.root().sizeCells()).isEqualTo(1);
        assertThat(fdt.root().propertyStrings("compatible")).containsExactly("efikexec,small-test", "linux,dummy-virt");
        assertThat(fdt.node("/memory@80000000").orElseThrow().reg()).containsExactly(
                new FdtRange(0x8000_0000L, 0x1000_0000L), new FdtRange(0x9000_0000L, 0x0800_0000L));
        assertThat(fdt.node("/reserved-memory/secure@5e000000").orElseThrow().reg())
                .containsExactly(new FdtRange(0x5e00_0000L, 0x20_0000L));
        FdtNode cma = fdt.node("/reserved-memory/linux,cma").orElseThrow();
        assertThat(cma.reg()).isEmpty();
        assertThat(cma.propertyU32("size")).hasValue(0x0400_0000L);
        assertThat(cma.property("reusable").orElseThrow()).isEmpty();
        assertThat(fdt.root().children()).extracting(FdtNode::name).containsExactly(
                "chosen", "memory@40000000", "memory@80000000", "memory@c0000000", "reserved-memory", "pl011@9000000");
    }

    @Test
    void writerReproducesDtcByteForByte() {
        byte[] small = FdtTestBlobs.small();
        assertThat(Fdt.parse(small).toBytes()).isEqualTo(small);
        // QEMU's blob (written by libfdt) comes out exactly as dtc rewrites it
        assertThat(Fdt.parse(FdtTestBlobs.qemuVirt()).toBytes()).isEqualTo(FdtTestBlobs.qemuVirtDtc());
    }

    @Test
    void roundTrip() {
        for (byte[] dtb : List.of(FdtTestBlobs.qemuVirt(), FdtTestBlobs.small())) {
            Fdt fdt = Fdt.parse(dtb);
            byte[] out = fdt.toBytes();
            Fdt again = Fdt.parse(out);
            assertThat(again).isEqualTo(fdt);
            assertThat(again.hashCode()).isEqualTo(fdt.hashCode());
            assertThat(again.toBytes()).isEqualTo(out);
            assertThat(fdt.toBytes()).isEqualTo(out); // deterministic
            assertThat(u32(out, 4)).isEqualTo(out.length);
            assertThat(u32(out, 20)).isEqualTo(17);
            assertThat(u32(out, 24)).isEqualTo(16);
        }
    }

    @Test
    void stringsAreDeduplicated() {
        byte[] out = Fdt.parse(FdtTestBlobs.qemuVirt()).toBytes();
        int stringsOff = u32(out, 12);
        String strings = new String(out, stringsOff, u32(out, 32), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(strings.split("\0")).doesNotHaveDuplicates().contains("reg", "compatible", "#address-cells");
    }

    @Test
    void paddingIsCountedInTotalsize() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.small());
        byte[] plain = fdt.toBytes();
        byte[] padded = fdt.toBytes(4096);
        assertThat(padded).hasSize(plain.length + 4096);
        assertThat(u32(padded, 4)).isEqualTo(padded.length);
        assertThat(java.util.Arrays.copyOfRange(padded, plain.length, padded.length)).containsOnly(0);
        assertThat(Fdt.parse(padded)).isEqualTo(fdt);
    }

    @Test
    void trailingBytesBeyondTotalsizeAreIgnored() {
        byte[] small = FdtTestBlobs.small();
        byte[] longer = java.util.Arrays.copyOf(small, small.length + 100);
        java.util.Arrays.fill(longer, small.length, longer.length, (byte) 0x5a);
        assertThat(Fdt.parse(longer)).isEqualTo(Fdt.parse(small));
    }

    @Test
    void version16BlobWithoutSizeDtStruct() {
        byte[] v16 = FdtTestBlobs.small();
        put32(v16, 20, 16);
        put32(v16, 36, 0xdeadbeefL); // not a header field in version 16
        assertThat(Fdt.parse(v16)).isEqualTo(Fdt.parse(FdtTestBlobs.small()));
    }

    @Test
    void nopTokensAreSkipped() {
        Fdt fdt = Fdt.parse(FdtTestBlobs.small());
        byte[] dtb = fdt.toBytes();
        int structOff = u32(dtb, 8);
        // Overwrite the first property (#address-cells: token, len, nameoff, 4-byte value) with NOPs.
        for (int i = 0; i < 4; i++) put32(dtb, structOff + 8 + 4 * i, 4);
        Fdt parsed = Fdt.parse(dtb);
        assertThat(parsed.root().hasProperty("#address-cells")).isFalse();
        fdt.root().removeProperty("#address-cells");
        assertThat(parsed).isEqualTo(fdt);
    }

    @Test
    void bootCpuIdIsKept() {
        Fdt fdt = new Fdt(Fdt.parse(FdtTestBlobs.small()).root(), List.of(new FdtRange(1, 2)), 3);
        Fdt again = Fdt.parse(fdt.toBytes());
        assertThat(again.bootCpuId()).isEqualTo(3);
        assertThat(again.reservations()).containsExactly(new FdtRange(1, 2));
    }
}
