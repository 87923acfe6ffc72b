package efikexec.model.fdt;

import efikexec.model.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The DTB reader. Every read is bounds-checked against the block it belongs to before it is
 * made, so malformed input ends in a {@link FormatException}, never in another exception.
 * All header values are unsigned 32-bit and handled as {@code long}.
 */
final class FdtParser {
    static final int FDT_BEGIN_NODE = 1;
    static final int FDT_END_NODE = 2;
    static final int FDT_PROP = 3;
    static final int FDT_NOP = 4;
    static final int FDT_END = 9;

    /** Deepest nesting accepted: Linux's FDT_MAX_DEPTH, beyond which it refuses the tree. */
    static final int MAX_DEPTH = 64;

    private static final int HEADER_V16 = 36;
    private static final int HEADER_V17 = 40;

    private final byte[] b;
    private long totalSize;
    private long structOff;
    private long structEnd;
    private long stringsOff;
    private long stringsSize;

    private FdtParser(byte[] b) {
        this.b = b;
    }

    static Fdt parse(byte[] dtb) {
        Objects.requireNonNull(dtb, "dtb");
        return new FdtParser(dtb).run();
    }

    private Fdt run() {
        if (b.length < 4) {
            throw new FormatException("fdt header magic", 0,
                    "input is " + b.length + " bytes: expected at least the 4-byte magic 0xd00dfeed");
        }
        if ((int) u32(0) != Fdt.MAGIC) {
            throw new FormatException("fdt header magic", 0,
                    String.format("expected 0xd00dfeed, found 0x%08x", u32(0)));
        }
        if (b.length < 28) throw truncatedHeader(HEADER_V17);
        long version = u32(20);
        if (version < 16) {
            throw new FormatException("fdt header version", 20,
                    "version " + version + " is not supported: expected 16 or later");
        }
        long lastComp = u32(24);
        if (lastComp > Fdt.VERSION) {
            throw new FormatException("fdt header last_comp_version", 24, "version " + version
                    + " is compatible back to " + lastComp + " only: expected at most 17 (this reader implements 17)");
        }
        int headerSize = version >= 17 ? HEADER_V17 : HEADER_V16;
        if (b.length < headerSize) throw truncatedHeader(headerSize);
        totalSize = u32(4);
        if (totalSize > b.length) {
            throw new FormatException("fdt header totalsize", 4, String.format(
                    "0x%x is beyond the end of the input (0x%x bytes): expected at most the input length", totalSize, b.length));
        }
        if (totalSize < headerSize) {
            throw new FormatException("fdt header totalsize", 4, String.format(
                    "0x%x is smaller than the 0x%x-byte header", totalSize, headerSize));
        }
        structOff = u32(8);
        stringsOff = u32(12);
        long rsvOff = u32(16);
        int bootCpu = (int) u32(28);
        stringsSize = u32(32);
        checkOffset("off_dt_struct", 8, structOff, headerSize);
        checkOffset("off_dt_strings", 12, stringsOff, headerSize);
        checkOffset("off_mem_rsvmap", 16, rsvOff, headerSize);
        long structSize = version >= 17 ? u32(36) : totalSize - structOff;
        checkSize("size_dt_struct", 36, "off_dt_struct", structOff, structSize);
        checkSize("size_dt_strings", 32, "off_dt_strings", stringsOff, stringsSize);
        structEnd = structOff + structSize;

        List<FdtRange> reservations = readReservations(rsvOff);
        FdtNode root = readStruct();
        return new Fdt(root, reservations, bootCpu);
    }

    private FormatException truncatedHeader(int headerSize) {
        return new FormatException("fdt header", b.length, String.format(
                "input ends after 0x%x bytes: expected a 0x%x-byte header", b.length, headerSize));
    }

    private void checkOffset(String field, int at, long off, int headerSize) {
        if (off < headerSize || off > totalSize) {
            throw new FormatException("fdt header " + field, at, String.format(
                    "0x%x is outside the blob: expected an offset between the 0x%x-byte header and totalsize 0x%x",
                    off, headerSize, totalSize));
        }
    }

    private void checkSize(String field, int at, String offField, long off, long size) {
        if (off + size > totalSize) {
            throw new FormatException("fdt header " + field, at, String.format(
                    "block [0x%x, 0x%x) (%s 0x%x + %s 0x%x) runs past totalsize 0x%x",
                    off, off + size, offField, off, field, size, totalSize));
        }
    }

    private List<FdtRange> readReservations(long off) {
        List<FdtRange> out = new ArrayList<>();
        for (long p = off; ; p += 16) {
            if (p + 16 > totalSize) {
                throw new FormatException("memory reservation block", p, String.format(
                        "entry at 0x%x runs past totalsize 0x%x: expected the block to end with an all-zero entry",
                        p, totalSize));
            }
            long address = u64(p);
            long size = u64(p + 8);
            if (address == 0 && size == 0) return out;
            out.add(new FdtRange(address, size));
        }
    }

    private FdtNode readStruct() {
        Deque<FdtNode> open = new ArrayDeque<>();
        FdtNode root = null;
        long p = structOff;
        while (true) {
            if (p + 4 > structEnd) {
                String what = !open.isEmpty()
                        ? "ends inside node " + open.peek().path() + ": expected FDT_END_NODE (node not terminated)"
                        : root == null ? "ends before the root node: expected FDT_BEGIN_NODE"
                        : "ends without FDT_END after the root node";
                throw new FormatException("struct block", p, String.format(
                        "struct block [0x%x, 0x%x) %s", structOff, structEnd, what));
            }
            long tokenAt = p;
            long token = u32(p);
            p += 4;
            switch ((int) token) {
                case FDT_BEGIN_NODE -> {
                    if (root != null && open.isEmpty()) {
                        throw new FormatException("struct block token", tokenAt,
                                "FDT_BEGIN_NODE after the root node was closed: expected FDT_END (one root only)");
                    }
                    long nul = findNul(p, structEnd);
                    if (nul < 0) {
                        throw new FormatException("node name", p, String.format(
                                "not NUL-terminated before the end of the struct block at 0x%x", structEnd));
                    }
                    String name = latin1(p, nul);
                    FdtNode node;
                    if (open.isEmpty()) {
                        if (!name.isEmpty()) {
                            throw new FormatException("node name", p,
                                    "root node is named '" + name + "': expected the empty name");
                        }
                        node = root = new FdtNode("");
                    } else {
                        FdtNode parent = open.peek();
                        String path = (parent.parent().isEmpty() ? "/" : parent.path() + "/") + name;
                        if (name.isEmpty() || name.indexOf('/') >= 0) {
                            throw new FormatException("node name", p, "node '" + path
                                    + "' below " + parent.path() + ": expected a non-empty name without '/'");
                        }
                        if (open.size() >= MAX_DEPTH) {
                            throw new FormatException("node " + path, tokenAt,
                                    "nested deeper than " + MAX_DEPTH + " levels (Linux's FDT_MAX_DEPTH)");
                        }
                        if (parent.child(name).isPresent()) {
                            throw new FormatException("node " + path, tokenAt,
                                    "appears twice: expected unique names among siblings");
                        }
                        node = parent.addChild(name);
                    }
                    open.push(node);
                    p = align(nul + 1);
                }
                case FDT_END_NODE -> {
                    if (open.isEmpty()) {
                        throw new FormatException("struct block token", tokenAt,
                                "FDT_END_NODE without an open node");
                    }
                    open.pop();
                }
                case FDT_PROP -> {
                    if (open.isEmpty()) {
                        throw new FormatException("struct block token", tokenAt,
                                "FDT_PROP outside any node: expected FDT_BEGIN_NODE");
                    }
                    FdtNode node = open.peek();
                    if (p + 8 > structEnd) {
                        throw new FormatException("property header in " + node.path(), p, String.format(
                                "len and nameoff run past the end of the struct block at 0x%x", structEnd));
                    }
                    long len = u32(p);
                    String name = propertyName(p + 4, node);
                    long value = p + 8;
                    if (value + len > structEnd) {
                        throw new FormatException(propertyField(name, node), p, String.format(
                                "length 0x%x runs past the end of the struct block at 0x%x (value starts at 0x%x)",
                                len, structEnd, value));
                    }
                    if (node.hasProperty(name)) {
                        throw new FormatException(propertyField(name, node), tokenAt,
                                "appears twice: expected unique property names");
                    }
                    node.putParsed(name, Arrays.copyOfRange(b, (int) value, (int) (value + len)), value);
                    p = align(value + len);
                }
                case FDT_NOP -> {
                }
                case FDT_END -> {
                    if (!open.isEmpty()) {
                        throw new FormatException("struct block", tokenAt, "FDT_END inside node "
                                + open.peek().path() + ": expected FDT_END_NODE (node not terminated)");
                    }
                    if (root == null) {
                        throw new FormatException("struct block", tokenAt,
                                "FDT_END before any node: expected the root node");
                    }
                    return root;
                }
                default -> throw new FormatException("struct block token", tokenAt, String.format(
                        "0x%08x is not a token: expected FDT_BEGIN_NODE (1), FDT_END_NODE (2), FDT_PROP (3),"
                                + " FDT_NOP (4) or FDT_END (9)", token));
            }
        }
    }

    private static String propertyField(String name, FdtNode node) {
        return "property '" + name + "' of " + node.path();
    }

    private String propertyName(long nameoffAt, FdtNode node) {
        long nameoff = u32(nameoffAt);
        if (nameoff >= stringsSize) {
            throw new FormatException("property name offset in " + node.path(), nameoffAt, String.format(
                    "0x%x is outside the strings block (0x%x bytes at 0x%x)", nameoff, stringsSize, stringsOff));
        }
        long start = stringsOff + nameoff;
        long nul = findNul(start, stringsOff + stringsSize);
        if (nul < 0) {
            throw new FormatException("property name offset in " + node.path(), nameoffAt, String.format(
                    "the name at strings offset 0x%x is not NUL-terminated inside the strings block", nameoff));
        }
        if (nul == start) {
            throw new FormatException("property name offset in " + node.path(), nameoffAt, String.format(
                    "the name at strings offset 0x%x is empty: expected a property name", nameoff));
        }
        return latin1(start, nul);
    }

    /** Aligns a struct-block position to the next 4-byte boundary of the block. */
    private long align(long p) {
        return structOff + ((p - structOff + 3) & ~3L);
    }

    private long findNul(long from, long end) {
        for (long i = from; i < end; i++) {
            if (b[(int) i] == 0) return i;
        }
        return -1;
    }

    /** Names are kept byte for byte (ISO-8859-1), so that any blob round-trips. */
    private String latin1(long from, long to) {
        return new String(b, (int) from, (int) (to - from), StandardCharsets.ISO_8859_1);
    }

    private long u32(long off) {
        return FdtNode.be32(b, (int) off);
    }

    private long u64(long off) {
        return u32(off) << 32 | u32(off + 4);
    }
}
