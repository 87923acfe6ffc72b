package efikexec.memmap.source;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.model.fdt.FdtRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The target's memory from its device tree ({@code --dtb FILE}), read as Linux's early FDT code
 * reads it:
 * <ul>
 * <li>RAM: the {@code reg} of every node with {@code device_type = "memory"} anywhere in the
 *     tree, decoded with its parent's {@code #address-cells}/{@code #size-cells}; a
 *     {@code linux,usable-memory} property replaces {@code reg} when present, as in Linux.
 *     Nodes whose {@code status} is neither "okay" nor "ok" are skipped, as are zero-size
 *     tuples. Overlapping ranges are merged into their union (Linux's memblock does the same);
 *     adjacent ones are kept apart, as given.
 * <li>Reserved: the /memreserve/ entries, and the {@code reg} of every enabled child of
 *     {@code /reserved-memory}, decoded with {@code /reserved-memory}'s own cell counts. Dynamic
 *     children (only {@code size}, {@code alignment}, {@code alloc-ranges}) are ignored: they
 *     name no region yet, the next kernel places them itself at boot. Reserved ranges are
 *     kept as given (they may overlap each other or lie outside RAM), exact duplicates removed.
 * </ul>
 * Both lists are sorted by start address. /chosen {@code linux,usable-memory-range} (the
 * kdump crash kernel's limit) is not applied.
 */
public final class FdtMemorySource {
    private static final byte[] MEMORY = "memory\0".getBytes(StandardCharsets.US_ASCII);

    private FdtMemorySource() {
    }

    /**
     * @throws FormatException if the blob is malformed, a range wraps past 2^64, or the tree
     *     has no RAM (field "memory nodes")
     */
    public static TargetMemory read(byte[] dtb) {
        Fdt fdt = Fdt.parse(dtb);
        return read(fdt, header(dtb, 8), header(dtb, 16));
    }

    /** The same for an already parsed tree (error offsets are then -1 where unknown). */
    public static TargetMemory read(Fdt fdt) {
        return read(fdt, -1, -1);
    }

    private static TargetMemory read(Fdt fdt, long structOffset, long reservationsOffset) {
        List<PhysicalRange> ram = new ArrayList<>();
        fdt.root().stream()
                .filter(n -> n.parent().isPresent())
                .filter(FdtMemorySource::isMemory)
                .filter(FdtMemorySource::enabled)
                .forEach(n -> {
                    String prop = n.hasProperty("linux,usable-memory") ? "linux,usable-memory" : "reg";
                    addRanges(ram, n, prop);
                });
        if (ram.isEmpty()) {
            throw new FormatException("memory nodes", structOffset,
                    "no enabled node with device_type = \"memory\" has a non-empty reg: expected at least one RAM range");
        }

        TreeSet<PhysicalRange> reserved = new TreeSet<>();
        List<FdtRange> entries = fdt.reservations();
        for (int i = 0; i < entries.size(); i++) {
            FdtRange r = entries.get(i);
            if (r.size() == 0) continue;
            reserved.add(range(r, "memory reservation block", reservationsOffset < 0 ? -1 : reservationsOffset + 16L * i));
        }
        Optional<FdtNode> rm = fdt.node("/reserved-memory");
        if (rm.isPresent()) {
            for (FdtNode child : rm.get().children()) {
                if (enabled(child)) addRanges(reserved, child, "reg");
            }
        }
        return new TargetMemory(mergeOverlaps(ram, structOffset), new ArrayList<>(reserved));
    }

    private static void addRanges(Collection<PhysicalRange> out, FdtNode node, String prop) {
        for (FdtRange r : node.reg(prop)) {
            if (r.size() == 0) continue;
            out.add(range(r, "property '" + prop + "' of " + node.path(), node.sourceOffset(prop).orElse(-1)));
        }
    }

    private static PhysicalRange range(FdtRange r, String field, long offset) {
        long last = r.address() + r.size() - 1;
        if (Long.compareUnsigned(last, r.address()) < 0 || last == -1L) {
            throw new FormatException(field, offset, String.format(
                    "range 0x%x + 0x%x does not end below 2^64", r.address(), r.size()));
        }
        if (r.size() < 0) {
            throw new FormatException(field, offset, String.format(
                    "size 0x%x is 2^63 bytes or more: expected the size of physical memory", r.size()));
        }
        return new PhysicalRange(r.address(), r.size());
    }

    /**
     * device_type is "memory" — compared on the raw bytes as Linux's strcmp does, so that a
     * malformed device_type elsewhere in the tree does not matter.
     */
    private static boolean isMemory(FdtNode n) {
        byte[] v = n.properties().get("device_type");
        return v != null && v.length >= MEMORY.length && Arrays.equals(v, 0, MEMORY.length, MEMORY, 0, MEMORY.length);
    }

    /** Linux's of_fdt_device_is_available: no status, "okay" or "ok". */
    private static boolean enabled(FdtNode n) {
        Optional<String> status = n.propertyString("status");
        return status.isEmpty() || status.get().equals("okay") || status.get().equals("ok");
    }

    private static List<PhysicalRange> mergeOverlaps(List<PhysicalRange> ranges, long structOffset) {
        List<PhysicalRange> sorted = new ArrayList<>(ranges);
        sorted.sort(null);
        List<PhysicalRange> out = new ArrayList<>();
        for (PhysicalRange r : sorted) {
            PhysicalRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.overlaps(r)) {
                long end = Long.compareUnsigned(r.end(), last.end()) > 0 ? r.end() : last.end();
                if (end - last.start() < 0) {
                    throw new FormatException("memory nodes", structOffset, String.format(
                            "overlapping RAM ranges from 0x%x to 0x%x span 2^63 bytes or more", last.start(), end));
                }
                out.set(out.size() - 1, new PhysicalRange(last.start(), end - last.start()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** A header field of a blob Fdt.parse accepted (off_dt_struct at 8, off_mem_rsvmap at 16). */
    private static long header(byte[] dtb, int at) {
        return (dtb[at] & 0xffL) << 24 | (dtb[at + 1] & 0xffL) << 16 | (dtb[at + 2] & 0xffL) << 8 | (dtb[at + 3] & 0xffL);
    }
}
