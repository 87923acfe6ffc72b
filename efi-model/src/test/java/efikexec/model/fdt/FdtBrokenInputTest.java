package efikexec.model.fdt;

import static efikexec.model.fdt.FdtTestBlobs.indexOf;
import static efikexec.model.fdt.FdtTestBlobs.put32;
import static efikexec.model.fdt.FdtTestBlobs.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import efikexec.model.FormatException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Broken blobs: each must fail with a FormatException naming the field and its offset.
 * small.dtb: memreserve at 0x28, struct [0x58, 0x348), strings [0x348, 0x3d8), totalsize 0x3d8.
 */
class FdtBrokenInputTest {
    private static final int STRUCT = 0x58;
    private static final int STRUCT_END = 0x348;
    private static final int FIRST_PROP = STRUCT + 8; // after FDT_BEGIN_NODE and the root's empty name

    private static byte[] small() {
        byte[] b = FdtTestBlobs.small();
        assertThat(u32(b, 8)).isEqualTo(STRUCT);
        assertThat(u32(b, 8) + u32(b, 36)).isEqualTo(STRUCT_END);
        assertThat(u32(b, FIRST_PROP)).isEqualTo(FdtParser.FDT_PROP);
        return b;
    }

    private static FormatException fails(byte[] dtb) {
        try {
            Fdt.parse(dtb);
        } catch (FormatException e) {
            assertThat(e.describe()).startsWith(e.field() + " at offset 0x");
            return e;
        }
        throw new AssertionError("parsed without error");
    }

    private static void assertFails(byte[] dtb, String field, long offset, String message) {
        FormatException e = fails(dtb);
        assertThat(e.field()).as(e.describe()).isEqualTo(field);
        assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
        assertThat(e.getMessage()).as(e.describe()).contains(message);
    }

    @Test
    void tooShortForAHeader() {
        assertFails(new byte[0], "fdt header magic", 0, "expected at least the 4-byte magic");
        assertFails(Arrays.copyOf(small(), 3), "fdt header magic", 0, "expected at least");
        assertFails(Arrays.copyOf(small(), 20), "fdt header", 20, "expected a 0x28-byte header");
        assertFails(Arrays.copyOf(small(), 39), "fdt header", 39, "expected a 0x28-byte header");
    }

    @ParameterizedTest
    @ValueSource(ints = {40, 0x28 + 8, STRUCT, STRUCT + 5, 0x200, STRUCT_END, 0x3d7})
    void truncated(int length) {
        assertFails(Arrays.copyOf(small(), length), "fdt header totalsize", 4, "beyond the end of the input");
    }

    @Test
    void truncatedWithTotalsizeAdjusted() {
        // the blob claims to end where it was cut: the blocks no longer fit
        assertFails(put32(Arrays.copyOf(small(), 0x3d0), 4, 0x3d0), "fdt header size_dt_strings", 32,
                "runs past totalsize 0x3d0");
        assertFails(put32(Arrays.copyOf(small(), 0x200), 4, 0x200), "fdt header off_dt_strings", 12,
                "outside the blob");
        assertFails(put32(Arrays.copyOf(small(), 0x30), 4, 0x30), "fdt header off_dt_struct", 8,
                "0x58 is outside the blob");
        // version 16 has no size_dt_struct: the struct block is cut inside /chosen
        // (laid out as header, reservations, strings, struct, so that the cut hits the struct block)
        byte[] src = small();
        int chosenEnd = indexOf(src, "chosen") + 8;
        int stringsSize = u32(src, 32);
        byte[] v16 = new byte[0x28 + 16 + stringsSize + (chosenEnd - STRUCT)];
        System.arraycopy(src, 0, v16, 0, 0x28);
        System.arraycopy(src, 0x348, v16, 0x38, stringsSize);
        System.arraycopy(src, STRUCT, v16, 0x38 + stringsSize, chosenEnd - STRUCT);
        put32(v16, 4, v16.length);
        put32(v16, 8, 0x38 + stringsSize);
        put32(v16, 12, 0x38);
        put32(v16, 16, 0x28);
        put32(v16, 20, 16);
        assertFails(v16, "struct block", v16.length, "ends inside node /chosen: expected FDT_END_NODE");
    }

    @Test
    void badMagic() {
        assertFails(put32(small(), 0, 0xedfe0dd0L), "fdt header magic", 0, "expected 0xd00dfeed, found 0xedfe0dd0");
    }

    @Test
    void totalsizeBeyondLength() {
        assertFails(put32(small(), 4, 0x3d9), "fdt header totalsize", 4, "0x3d9 is beyond the end of the input (0x3d8 bytes)");
        assertFails(put32(small(), 4, 0xffff_ffffL), "fdt header totalsize", 4, "beyond the end");
        assertFails(put32(small(), 4, 0x10), "fdt header totalsize", 4, "smaller than the 0x28-byte header");
    }

    @Test
    void unsupportedVersions() {
        assertFails(put32(small(), 20, 15), "fdt header version", 20, "expected 16 or later");
        assertFails(put32(small(), 24, 18), "fdt header last_comp_version", 24, "expected at most 17");
    }

    @Test
    void blockOffsetsAndSizesOutOfRange() {
        assertFails(put32(small(), 8, 0x10000), "fdt header off_dt_struct", 8, "outside the blob");
        assertFails(put32(small(), 8, 0xffff_fff0L), "fdt header off_dt_struct", 8, "outside the blob");
        assertFails(put32(small(), 8, 0x10), "fdt header off_dt_struct", 8, "outside the blob"); // in the header
        assertFails(put32(small(), 8, 0x3d0), "fdt header size_dt_struct", 36, "runs past totalsize");
        assertFails(put32(small(), 36, 0xffff_ffffL), "fdt header size_dt_struct", 36, "runs past totalsize");
        assertFails(put32(small(), 12, 0x3d9), "fdt header off_dt_strings", 12, "outside the blob");
        assertFails(put32(small(), 32, 0x91), "fdt header size_dt_strings", 32, "runs past totalsize");
        assertFails(put32(small(), 16, 0x4000), "fdt header off_mem_rsvmap", 16, "outside the blob");
        assertFails(put32(small(), 16, 0x3d0), "memory reservation block", 0x3d0, "all-zero entry");
    }

    @Test
    void badToken() {
        assertFails(put32(small(), FIRST_PROP, 7), "struct block token", FIRST_PROP,
                "0x00000007 is not a token");
        assertFails(put32(small(), STRUCT, FdtParser.FDT_PROP), "struct block token", STRUCT, "FDT_PROP outside any node");
        assertFails(put32(small(), STRUCT, FdtParser.FDT_END_NODE), "struct block token", STRUCT, "without an open node");
        // the token after the root's FDT_END_NODE is FDT_END; another node there is a second root
        assertFails(put32(small(), STRUCT_END - 4, FdtParser.FDT_BEGIN_NODE), "struct block token", STRUCT_END - 4,
                "one root only");
        assertFails(put32(small(), STRUCT_END - 4, FdtParser.FDT_END_NODE), "struct block token", STRUCT_END - 4,
                "without an open node");
        assertFails(put32(small(), STRUCT, FdtParser.FDT_END), "struct block", STRUCT, "FDT_END before any node");
    }

    @Test
    void stringOffsetOutOfRange() {
        assertFails(put32(small(), FIRST_PROP + 8, 0x90), "property name offset in /", FIRST_PROP + 8,
                "0x90 is outside the strings block (0x90 bytes at 0x348)");
        assertFails(put32(small(), FIRST_PROP + 8, 0xffff_ffffL), "property name offset in /", FIRST_PROP + 8,
                "outside the strings block");
        // a name running to the end of the block without NUL
        byte[] noNul = small();
        noNul[0x3d7] = 'x';
        FormatException e = fails(noNul);
        assertThat(e.field()).startsWith("property name offset in /");
        assertThat(e.getMessage()).contains("not NUL-terminated inside the strings block");
    }

    @Test
    void emptyPropertyName() {
        // point the first property at the NUL that ends the first name, "#address-cells"
        assertFails(put32(small(), FIRST_PROP + 8, "#address-cells".length()), "property name offset in /",
                FIRST_PROP + 8, "is empty: expected a property name");
    }

    @Test
    void unterminatedNode() {
        // the root's FDT_END_NODE replaced by FDT_NOP: FDT_END arrives inside /
        assertFails(put32(small(), STRUCT_END - 8, FdtParser.FDT_NOP), "struct block", STRUCT_END - 4,
                "FDT_END inside node /: expected FDT_END_NODE (node not terminated)");
        // no FDT_END at all
        assertFails(put32(small(), STRUCT_END - 4, FdtParser.FDT_NOP), "struct block", STRUCT_END,
                "ends without FDT_END");
        // the struct block ends inside /chosen
        int chosen = indexOf(small(), "chosen");
        byte[] cut = put32(small(), 36, chosen + 8 - STRUCT); // right after the name "chosen"
        FormatException e = fails(cut);
        assertThat(e.field()).isEqualTo("struct block");
        assertThat(e.offset()).isEqualTo(chosen + 8);
        assertThat(e.getMessage()).contains("ends inside node /chosen");
    }

    @Test
    void nodeNameNotTerminated() {
        int chosen = indexOf(small(), "chosen");
        assertFails(put32(small(), 36, chosen + 3 - STRUCT), "node name", chosen, "not NUL-terminated");
    }

    @Test
    void propertyLengthPastTheBlock() {
        assertFails(put32(small(), FIRST_PROP + 4, 0x1000), "property '#address-cells' of /", FIRST_PROP + 4,
                "length 0x1000 runs past the end of the struct block at 0x348");
        assertFails(put32(small(), FIRST_PROP + 4, 0xffff_ffffL), "property '#address-cells' of /", FIRST_PROP + 4,
                "runs past the end of the struct block");
        // FDT_PROP as the very last word: its header is cut off
        byte[] b = put32(small(), STRUCT_END - 4, FdtParser.FDT_PROP);
        put32(b, STRUCT_END - 8, FdtParser.FDT_NOP);
        assertFails(b, "property header in /", STRUCT_END, "run past the end of the struct block");
    }

    @Test
    void duplicates() {
        FdtNode root = new FdtNode("");
        root.setPropertyU32("aa", 1).setPropertyU32("ab", 2);
        root.addChild("x");
        root.addChild("y");
        byte[] b = Fdt.of(root).toBytes();
        int structOff = u32(b, 8);
        // second property (at +8 + 16) uses the first one's name
        put32(b, structOff + 8 + 16 + 8, 0);
        assertFails(b, "property 'aa' of /", structOff + 8 + 16, "appears twice");
        byte[] c = Fdt.of(root).toBytes();
        int y = indexOf(c, "y\0");
        c[y] = 'x';
        assertFails(c, "node /x", y - 4, "appears twice");
    }

    @Test
    void badNodeNames() {
        FdtNode root = new FdtNode("");
        root.addChild("ab");
        byte[] b = Fdt.of(root).toBytes();
        int at = indexOf(b, "ab\0");
        b[at] = '/';
        assertFails(b.clone(), "node name", at, "without '/'");
        b[at] = 0;
        assertFails(b.clone(), "node name", at, "non-empty name");
        byte[] r = Fdt.of(new FdtNode("")).toBytes();
        int structOff = u32(r, 8);
        r[structOff + 4] = 'r';
        assertFails(r, "node name", structOff + 4, "expected the empty name");
    }

    @Test
    void nestingDeeperThanLinuxAccepts() {
        FdtNode root = new FdtNode("");
        FdtNode n = root;
        for (int depth = 1; depth < FdtParser.MAX_DEPTH; depth++) n = n.addChild("n");
        assertThat(Fdt.parse(Fdt.of(root).toBytes())).isEqualTo(Fdt.of(root)); // 64 levels: fine
        n.addChild("deep");
        FormatException e = fails(Fdt.of(root).toBytes());
        assertThat(e.field()).startsWith("node /n/n/").endsWith("/deep");
        assertThat(e.getMessage()).contains("deeper than 64");
    }

    /** Cuts the real blob at every 97th length, with and without adjusting totalsize. */
    @Test
    void everyTruncationOfTheRealBlobFailsCleanly() {
        byte[] dtb = FdtTestBlobs.qemuVirt();
        int checked = 0;
        for (int len = 0; len < dtb.length; len += 97) {
            byte[] cut = Arrays.copyOf(dtb, len);
            expectFormatExceptionOrSuccess(cut, "cut at " + len);
            assertThat(catchFormat(cut)).as("cut at %d", len).isNotNull();
            if (len >= 8) {
                expectFormatExceptionOrSuccess(put32(cut.clone(), 4, len), "cut at " + len + ", totalsize adjusted");
                assertThat(catchFormat(put32(cut.clone(), 4, len))).isNotNull();
            }
            // version 16: the struct block runs to totalsize and ends wherever the cut is
            if (len >= 40) {
                byte[] v16 = put32(put32(cut.clone(), 4, len), 20, 16);
                put32(v16, 32, Math.max(0, Math.min(u32(v16, 32), len - u32(v16, 12))));
                expectFormatExceptionOrSuccess(v16, "cut at " + len + ", version 16");
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(70);
    }

    /** Random byte flips with a fixed seed: FormatException or a tree that round-trips. */
    @Test
    void randomCorruptionFailsCleanly() {
        Random random = new Random(0xfd7_2026L);
        int failures = 0;
        for (byte[] dtb : List.of(FdtTestBlobs.qemuVirt(), FdtTestBlobs.small())) {
            for (int round = 0; round < 2000; round++) {
                byte[] b = dtb.clone();
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    // half of the flips hit the header, where every byte matters
                    int at = random.nextBoolean() ? random.nextInt(40) : random.nextInt(b.length);
                    b[at] ^= (byte) (1 << random.nextInt(8));
                }
                if (catchFormat(b) != null) failures++;
                expectFormatExceptionOrSuccess(b, "round " + round);
            }
        }
        assertThat(failures).isGreaterThan(100);
    }

    private static FormatException catchFormat(byte[] b) {
        try {
            Fdt.parse(b);
            return null;
        } catch (FormatException e) {
            return e;
        }
    }

    private static void expectFormatExceptionOrSuccess(byte[] b, String what) {
        Fdt fdt;
        try {
            fdt = Fdt.parse(b);
        } catch (FormatException e) {
            // plain checks: AssertJ per iteration would dominate the run time
            if (e.field() == null || e.field().isBlank() || e.offset() < 0 || e.offset() > b.length) {
                fail(what + ": bad field or offset in " + e.describe());
            }
            return;
        } catch (RuntimeException | StackOverflowError e) {
            fail(what + ": " + e, e);
            return;
        }
        try {
            byte[] out = fdt.toBytes();
            if (!Fdt.parse(out).equals(fdt)) fail(what + ": parsed, but did not round-trip");
        } catch (RuntimeException e) {
            fail(what + ": parsed, but did not round-trip: " + e, e);
        }
    }
}
