package efikexec.model.fdt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The DTB writer, laid out as dtc lays out a version 17 blob: header (40 bytes), memory
 * reservation block at 0x28, struct block, strings block, then the padding. Property names are
 * placed in the strings block as dtc's {@code stringtable_insert} does (reuse the first place
 * where the name already occurs, as a whole string or the tail of a longer one; else append),
 * so that a dtc-compiled blob is reproduced byte for byte.
 */
final class FdtWriter {
    private static final int HEADER_SIZE = 40;

    private final Buf struct = new Buf();
    private final Buf strings = new Buf();
    private final Map<String, Integer> nameOffsets = new HashMap<>();

    private FdtWriter() {
    }

    static byte[] write(Fdt fdt, int padding) {
        FdtWriter w = new FdtWriter();
        Buf rsv = new Buf();
        for (FdtRange r : fdt.reservations()) {
            rsv.u64(r.address());
            rsv.u64(r.size());
        }
        rsv.u64(0);
        rsv.u64(0);
        w.writeTree(fdt.root());
        w.struct.u32(FdtParser.FDT_END);

        long rsvOff = HEADER_SIZE; // already 8-aligned
        long structOff = rsvOff + rsv.size();
        long stringsOff = structOff + w.struct.size();
        long total = stringsOff + w.strings.size() + padding;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("device tree too large: " + total + " bytes");

        Buf out = new Buf();
        out.u32(Fdt.MAGIC);
        out.u32(total);
        out.u32(structOff);
        out.u32(stringsOff);
        out.u32(rsvOff);
        out.u32(Fdt.VERSION);
        out.u32(Fdt.LAST_COMPATIBLE_VERSION);
        out.u32(fdt.bootCpuId());
        out.u32(w.strings.size());
        out.u32(w.struct.size());
        rsv.writeTo(out);
        w.struct.writeTo(out);
        w.strings.writeTo(out);
        byte[] bytes = out.toByteArray();
        return padding == 0 ? bytes : Arrays.copyOf(bytes, (int) total);
    }

    /** Iterative, so that no tree is too deep to write. */
    private void writeTree(FdtNode root) {
        Deque<Object> todo = new ArrayDeque<>(); // FdtNode to open, or END marker
        Object end = new Object();
        todo.push(root);
        while (!todo.isEmpty()) {
            Object item = todo.pop();
            if (item == end) {
                struct.u32(FdtParser.FDT_END_NODE);
                continue;
            }
            FdtNode node = (FdtNode) item;
            struct.u32(FdtParser.FDT_BEGIN_NODE);
            struct.bytes(node.name().getBytes(StandardCharsets.ISO_8859_1));
            struct.u8(0);
            struct.align4();
            for (Map.Entry<String, byte[]> p : node.properties().entrySet()) {
                struct.u32(FdtParser.FDT_PROP);
                struct.u32(p.getValue().length);
                struct.u32(nameOffset(p.getKey()));
                struct.bytes(p.getValue());
                struct.align4();
            }
            todo.push(end);
            for (int i = node.children().size() - 1; i >= 0; i--) todo.push(node.children().get(i));
        }
    }

    private int nameOffset(String name) {
        Integer known = nameOffsets.get(name);
        if (known != null) return known;
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        byte[] t = strings.array();
        int len = strings.size();
        int at = -1;
        search:
        for (int i = 0; i + n.length < len; i++) {
            for (int j = 0; j < n.length; j++) {
                if (t[i + j] != n[j]) continue search;
            }
            if (t[i + n.length] == 0) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            at = len;
            strings.bytes(n);
            strings.u8(0);
        }
        nameOffsets.put(name, at);
        return at;
    }

    /** A growable big-endian byte buffer (not ByteArrayOutputStream: its writes synchronize). */
    private static final class Buf {
        private byte[] buf = new byte[256];
        private int count;

        private void ensure(int more) {
            if (count + more > buf.length) buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + more));
        }

        void u8(int v) {
            ensure(1);
            buf[count++] = (byte) v;
        }

        void u32(long v) {
            ensure(4);
            buf[count++] = (byte) (v >>> 24);
            buf[count++] = (byte) (v >>> 16);
            buf[count++] = (byte) (v >>> 8);
            buf[count++] = (byte) v;
        }

        void u64(long v) {
            u32(v >>> 32);
            u32(v);
        }

        void bytes(byte[] v) {
            ensure(v.length);
            System.arraycopy(v, 0, buf, count, v.length);
            count += v.length;
        }

        void align4() {
            while (count % 4 != 0) u8(0);
        }

        int size() {
            return count;
        }

        byte[] array() {
            return buf;
        }

        void writeTo(Buf other) {
            other.ensure(count);
            System.arraycopy(buf, 0, other.buf, other.count, count);
            other.count += count;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }
    }
}
