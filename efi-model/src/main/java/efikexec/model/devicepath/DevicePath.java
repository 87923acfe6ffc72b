package efikexec.model.devicepath;

import efikexec.model.Guid;
import efikexec.model.memory.GuestMemory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An EFI device path as its bytes (UEFI 2.10, 10): nodes of {type, subtype, u16 length}
 * ending with the end-of-path node. Equality and prefix matching are on the bytes of the
 * nodes before the end node, as LocateDevicePath compares them.
 */
public final class DevicePath {
    public static final int TYPE_HARDWARE = 0x01;
    public static final int TYPE_MEDIA = 0x04;
    public static final int TYPE_END = 0x7f;
    public static final int SUBTYPE_VENDOR = 0x04; // hardware vendor
    public static final int SUBTYPE_MEDIA_VENDOR = 0x03;
    public static final int SUBTYPE_FILE_PATH = 0x04;
    public static final int SUBTYPE_END_ENTIRE = 0xff;
    public static final int SUBTYPE_END_INSTANCE = 0x01;

    /** A path longer than this is refused as malformed (no real path comes near it). */
    public static final int MAX_BYTES = 64 * 1024;

    private final byte[] nodes; // without the end node

    private DevicePath(byte[] nodes) {
        this.nodes = nodes;
    }

    public static final DevicePath EMPTY = new DevicePath(new byte[0]);

    /** Builder-style: this path with one more node. */
    public DevicePath append(int type, int subtype, byte[] data) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(nodes);
        int len = 4 + data.length;
        o.write(type);
        o.write(subtype);
        o.write(len & 0xff);
        o.write(len >> 8);
        o.writeBytes(data);
        return new DevicePath(o.toByteArray());
    }

    public DevicePath vendorMedia(Guid guid) {
        return append(TYPE_MEDIA, SUBTYPE_MEDIA_VENDOR, guid.toBytes());
    }

    public DevicePath vendorHardware(Guid guid) {
        return append(TYPE_HARDWARE, SUBTYPE_VENDOR, guid.toBytes());
    }

    public DevicePath filePath(String path) {
        return append(TYPE_MEDIA, SUBTYPE_FILE_PATH, (path + "\0").getBytes(StandardCharsets.UTF_16LE));
    }

    /** The bytes with the end node, as they are placed in guest memory. */
    public byte[] toBytes() {
        byte[] b = Arrays.copyOf(nodes, nodes.length + 4);
        b[nodes.length] = (byte) TYPE_END;
        b[nodes.length + 1] = (byte) SUBTYPE_END_ENTIRE;
        b[nodes.length + 2] = 4;
        return b;
    }

    /** Length of the nodes without the end node. */
    public int nodesLength() {
        return nodes.length;
    }

    /**
     * Reads a path from guest memory up to its end-of-entire-path node. Returns null for a
     * malformed path (a node shorter than 4 bytes, or longer than MAX_BYTES in all).
     */
    public static DevicePath read(GuestMemory mem, long address) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        long p = address;
        while (true) {
            int type = mem.readU8(p), subtype = mem.readU8(p + 1), len = mem.readU16(p + 2);
            if (type == TYPE_END && subtype == SUBTYPE_END_ENTIRE) return new DevicePath(o.toByteArray());
            if (len < 4 || o.size() + len > MAX_BYTES) return null;
            o.writeBytes(mem.read(p, len));
            p += len;
        }
    }

    /**
     * Whether this path is a node-wise prefix of other (whole nodes only), as
     * LocateDevicePath requires: the handle's path must match the start of the query.
     */
    public boolean isPrefixOf(DevicePath other) {
        if (nodes.length > other.nodes.length) return false;
        if (!Arrays.equals(nodes, 0, nodes.length, other.nodes, 0, nodes.length)) return false;
        if (nodes.length == other.nodes.length) return true;
        // The prefix must end on a node boundary of other.
        int p = 0;
        while (p < other.nodes.length) {
            if (p == nodes.length) return true;
            int len = (other.nodes[p + 2] & 0xff) | (other.nodes[p + 3] & 0xff) << 8;
            if (len < 4) return false;
            p += len;
        }
        return p == nodes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DevicePath d && Arrays.equals(nodes, d.nodes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(nodes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int p = 0;
        while (p + 4 <= nodes.length) {
            int type = nodes[p] & 0xff, sub = nodes[p + 1] & 0xff, len = (nodes[p + 2] & 0xff) | (nodes[p + 3] & 0xff) << 8;
            if (len < 4 || p + len > nodes.length) break;
            if (sb.length() > 0) sb.append('/');
            if ((type == TYPE_MEDIA && sub == SUBTYPE_MEDIA_VENDOR || type == TYPE_HARDWARE && sub == SUBTYPE_VENDOR) && len >= 20) {
                sb.append(type == TYPE_MEDIA ? "VenMedia(" : "VenHw(").append(Guid.fromBytes(nodes, p + 4)).append(')');
            } else if (type == TYPE_MEDIA && sub == SUBTYPE_FILE_PATH) {
                sb.append(new String(nodes, p + 4, Math.max(0, len - 6), StandardCharsets.UTF_16LE));
            } else {
                sb.append(String.format("Node(%d,%d)", type, sub));
            }
            p += len;
        }
        return sb.toString();
    }
}
