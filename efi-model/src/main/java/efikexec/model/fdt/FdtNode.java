package efikexec.model.fdt;

import efikexec.model.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * One device tree node: its name (with the unit address, {@code "memory@40000000"}; the root's
 * name is empty), its properties in order and its children in order.
 *
 * <p>Nodes are mutable and know their parent (a node belongs to at most one tree), so that
 * {@link #path()} and {@link #reg()} (which needs the parent's {@code #address-cells} and
 * {@code #size-cells}) work on any node. {@link #equals} compares name, properties (order and
 * bytes) and children (order, recursively), not the parent.
 *
 * <p>Property readers return an empty {@code Optional} when the property is absent and throw a
 * {@link FormatException} when it is present but not of the expected form; the exception names
 * {@code property 'NAME' of /PATH} and the offset of the value in the blob the node was parsed
 * from ({@code -1} for a property set in memory).
 */
public final class FdtNode {
    /** Default {@code #address-cells} for children of a node without one (spec v0.4, 2.3.5). */
    public static final int DEFAULT_ADDRESS_CELLS = 2;
    /** Default {@code #size-cells} for children of a node without one (spec v0.4, 2.3.5). */
    public static final int DEFAULT_SIZE_CELLS = 1;
    /** Largest {@code #address-cells}/{@code #size-cells} accepted (PCI uses 3). */
    public static final int MAX_CELLS = 4;

    private final String name;
    private final LinkedHashMap<String, byte[]> properties = new LinkedHashMap<>();
    private final Map<String, byte[]> propertiesView = Collections.unmodifiableMap(properties);
    /** Offset in the parsed blob of each property's value; absent for properties set later. */
    private final Map<String, Long> sourceOffsets = new HashMap<>();
    private final List<FdtNode> children = new ArrayList<>();
    private final List<FdtNode> childrenView = Collections.unmodifiableList(children);
    private FdtNode parent;

    /**
     * A detached node. The empty name is a root; any other name must not contain '/' or NUL.
     */
    public FdtNode(String name) {
        Objects.requireNonNull(name, "name");
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || !latin1(name)) {
            throw new IllegalArgumentException("node name must not contain '/', NUL or non-Latin-1 characters: " + name);
        }
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Optional<FdtNode> parent() {
        return Optional.ofNullable(parent);
    }

    /** Absolute path from the root of this node's tree: "/" for the root, "/chosen", … */
    public String path() {
        if (parent == null) return "/";
        Deque<String> names = new ArrayDeque<>();
        for (FdtNode n = this; n.parent != null; n = n.parent) names.push(n.name);
        return "/" + String.join("/", names);
    }

    // ---------------------------------------------------------------- properties

    /** The properties in order; read-only view (do not modify the arrays). */
    public Map<String, byte[]> properties() {
        return propertiesView;
    }

    public boolean hasProperty(String name) {
        return properties.containsKey(name);
    }

    /** A copy of the raw value. */
    public Optional<byte[]> property(String name) {
        byte[] v = properties.get(name);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    /**
     * Offset of the property's value in the blob this node was parsed from; empty if the
     * property is absent or was set after parsing.
     */
    public OptionalLong sourceOffset(String name) {
        Long o = sourceOffsets.get(name);
        return o == null ? OptionalLong.empty() : OptionalLong.of(o);
    }

    /** The first string of a NUL-terminated string (list) property, decoded as UTF-8. */
    public Optional<String> propertyString(String name) {
        if (!properties.containsKey(name)) return Optional.empty();
        return Optional.of(propertyStrings(name).get(0));
    }

    /** All strings of a string-list property ({@code compatible}); empty list if absent. */
    public List<String> propertyStrings(String name) {
        byte[] v = properties.get(name);
        if (v == null) return List.of();
        if (v.length == 0 || v[v.length - 1] != 0) {
            throw malformed(name, "expected a NUL-terminated string, got " + v.length
                    + " bytes" + (v.length == 0 ? "" : " not ending in NUL"));
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] == 0) {
                out.add(new String(v, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return out;
    }

    /** A one-cell property, as an unsigned value. */
    public OptionalLong propertyU32(String name) {
        byte[] v = properties.get(name);
        if (v == null) return OptionalLong.empty();
        if (v.length != 4) throw malformed(name, "expected one 32-bit cell (4 bytes), got " + v.length + " bytes");
        return OptionalLong.of(be32(v, 0));
    }

    /** An 8-byte property (two cells, most significant first), such as linux,uefi-mmap-start. */
    public OptionalLong propertyU64(String name) {
        byte[] v = properties.get(name);
        if (v == null) return OptionalLong.empty();
        if (v.length != 8) throw malformed(name, "expected a 64-bit value (8 bytes), got " + v.length + " bytes");
        return OptionalLong.of(be32(v, 0) << 32 | be32(v, 4));
    }

    /** The property as 32-bit cells (unsigned values). */
    public Optional<long[]> cells(String name) {
        byte[] v = properties.get(name);
        if (v == null) return Optional.empty();
        if (v.length % 4 != 0) {
            throw malformed(name, "expected 32-bit cells, got " + v.length + " bytes (not a multiple of 4)");
        }
        long[] c = new long[v.length / 4];
        for (int i = 0; i < c.length; i++) c[i] = be32(v, 4 * i);
        return Optional.of(c);
    }

    /**
     * This node's {@code #address-cells}: how many cells a child's address takes in its
     * {@code reg}. {@value #DEFAULT_ADDRESS_CELLS} when the property is absent.
     */
    public int addressCells() {
        return cellCount("#address-cells", DEFAULT_ADDRESS_CELLS);
    }

    /**
     * This node's {@code #size-cells}: how many cells a child's size takes in its {@code reg}.
     * {@value #DEFAULT_SIZE_CELLS} when the property is absent.
     */
    public int sizeCells() {
        return cellCount("#size-cells", DEFAULT_SIZE_CELLS);
    }

    private int cellCount(String prop, int dflt) {
        OptionalLong v = propertyU32(prop);
        if (v.isEmpty()) return dflt;
        if (v.getAsLong() > MAX_CELLS) {
            throw malformed(prop, "expected at most " + MAX_CELLS + " cells, got " + v.getAsLong());
        }
        return (int) v.getAsLong();
    }

    /** This node's {@code reg}, decoded with its parent's cell counts; empty list if absent. */
    public List<FdtRange> reg() {
        return reg("reg");
    }

    /**
     * A property in {@code reg} format (such as {@code linux,usable-memory}) decoded with the
     * parent's {@code #address-cells}/{@code #size-cells} (the defaults for the root). Only one
     * or two cells per address or size are supported (a 64-bit value); more throws.
     */
    public List<FdtRange> reg(String prop) {
        byte[] v = properties.get(prop);
        if (v == null) return List.of();
        int ac = parent == null ? DEFAULT_ADDRESS_CELLS : parent.addressCells();
        int sc = parent == null ? DEFAULT_SIZE_CELLS : parent.sizeCells();
        String from = parent == null ? "the defaults" : parent.path();
        if (ac > 2 || sc > 2) {
            throw malformed(prop, "#address-cells = " + ac + ", #size-cells = " + sc + " of " + from
                    + ": expected at most 2 cells each (64-bit values)");
        }
        int entry = 4 * (ac + sc);
        if (entry == 0) {
            if (v.length == 0) return List.of();
            throw malformed(prop, "#address-cells and #size-cells of " + from + " are both 0: expected an empty value");
        }
        if (v.length % entry != 0) {
            throw malformed(prop, "length " + v.length + " is not a multiple of " + entry
                    + " bytes ((#address-cells " + ac + " + #size-cells " + sc + ") * 4 of " + from + ")");
        }
        List<FdtRange> out = new ArrayList<>(v.length / entry);
        for (int p = 0; p < v.length; p += entry) {
            out.add(new FdtRange(number(v, p, ac), number(v, p + 4 * ac, sc)));
        }
        return out;
    }

    private static long number(byte[] v, int off, int cells) {
        long n = 0;
        for (int i = 0; i < cells; i++) n = n << 32 | be32(v, off + 4 * i);
        return n;
    }

    static long be32(byte[] v, int off) {
        return (v[off] & 0xffL) << 24 | (v[off + 1] & 0xffL) << 16 | (v[off + 2] & 0xffL) << 8 | (v[off + 3] & 0xffL);
    }

    private FormatException malformed(String prop, String message) {
        return new FormatException("property '" + prop + "' of " + path(),
                sourceOffset(prop).orElse(-1), message);
    }

    /** Sets (replaces in place, or appends) a property; the value is copied. */
    public FdtNode setProperty(String name, byte[] value) {
        checkPropertyName(name);
        properties.put(name, value.clone());
        sourceOffsets.remove(name);
        return this;
    }

    /** Sets a string property: UTF-8 bytes and a terminating NUL. */
    public FdtNode setProperty(String name, String value) {
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("string contains NUL: " + name);
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        return setProperty(name, Arrays.copyOf(s, s.length + 1));
    }

    /** Sets a one-cell property; {@code value} must fit in 32 unsigned bits. */
    public FdtNode setPropertyU32(String name, long value) {
        if (value >>> 32 != 0) throw new IllegalArgumentException("not a 32-bit value: 0x" + Long.toHexString(value));
        return setProperty(name, new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    /** Sets an 8-byte (two-cell, big-endian) property. */
    public FdtNode setPropertyU64(String name, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (value >>> (56 - 8 * i));
        return setProperty(name, b);
    }

    /** Removes a property; true if it was there. */
    public boolean removeProperty(String name) {
        sourceOffsets.remove(name);
        return properties.remove(name) != null;
    }

    private static void checkPropertyName(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || !latin1(name)) {
            throw new IllegalArgumentException("property name must be non-empty, without NUL or non-Latin-1 characters: '"
                    + name + "'");
        }
    }

    /** Names are stored byte for byte as ISO-8859-1 (the spec allows ASCII only). */
    private static boolean latin1(String s) {
        return s.chars().allMatch(c -> c < 0x100);
    }

    /** Used by the parser: no copy, remembers where the value was. */
    void putParsed(String name, byte[] value, long offset) {
        properties.put(name, value);
        sourceOffsets.put(name, offset);
    }

    // ---------------------------------------------------------------- children

    /** The children in order; read-only view. */
    public List<FdtNode> children() {
        return childrenView;
    }

    /** The child with exactly this name (unit address included). */
    public Optional<FdtNode> child(String name) {
        for (FdtNode c : children) {
            if (c.name.equals(name)) return Optional.of(c);
        }
        return Optional.empty();
    }

    /** Creates and appends a child; throws if one of that name exists. */
    public FdtNode addChild(String name) {
        return addChild(new FdtNode(name));
    }

    /** Appends a detached node as the last child; throws if one of that name exists. */
    public FdtNode addChild(FdtNode child) {
        if (child.parent != null) throw new IllegalArgumentException(child.path() + " already has a parent");
        if (child.name.isEmpty()) throw new IllegalArgumentException("a child node needs a name");
        for (FdtNode n = this; n != null; n = n.parent) {
            if (n == child) throw new IllegalArgumentException("cannot add a node below itself");
        }
        if (child(child.name).isPresent()) {
            throw new IllegalArgumentException(path() + " already has a child " + child.name);
        }
        children.add(child);
        child.parent = this;
        return child;
    }

    /** The child of that name, appended if absent (as for "/chosen"). */
    public FdtNode childOrAdd(String name) {
        return child(name).orElseGet(() -> addChild(name));
    }

    /** Removes (and detaches) the child of that name; true if it was there. */
    public boolean removeChild(String name) {
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i).name.equals(name)) {
                children.remove(i).parent = null;
                return true;
            }
        }
        return false;
    }

    /**
     * The node at an absolute path ("/", "/chosen", "/reserved-memory/linux,cma") in this
     * node's tree. Names must match exactly, unit address included.
     */
    public Optional<FdtNode> node(String path) {
        if (!path.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + path);
        FdtNode n = this;
        while (n.parent != null) n = n.parent;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            Optional<FdtNode> c = n.child(part);
            if (c.isEmpty()) return Optional.empty();
            n = c.get();
        }
        return Optional.of(n);
    }

    /** This node and all below it, depth first, parents before children, in order. */
    public Stream<FdtNode> stream() {
        List<FdtNode> out = new ArrayList<>();
        Deque<FdtNode> todo = new ArrayDeque<>();
        todo.push(this);
        while (!todo.isEmpty()) {
            FdtNode n = todo.pop();
            out.add(n);
            for (int i = n.children.size() - 1; i >= 0; i--) todo.push(n.children.get(i));
        }
        return out.stream();
    }

    /** A detached deep copy (without source offsets). */
    public FdtNode deepCopy() {
        FdtNode copy = new FdtNode(name);
        properties.forEach((k, v) -> copy.properties.put(k, v.clone()));
        for (FdtNode c : children) {
            FdtNode cc = c.deepCopy();
            copy.children.add(cc);
            cc.parent = copy;
        }
        return copy;
    }

    // ---------------------------------------------------------------- equality

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof FdtNode other)) return false;
        if (!name.equals(other.name) || properties.size() != other.properties.size()
                || children.size() != other.children.size()) {
            return false;
        }
        var a = properties.entrySet().iterator();
        var b = other.properties.entrySet().iterator();
        while (a.hasNext()) {
            var x = a.next();
            var y = b.next();
            if (!x.getKey().equals(y.getKey()) || !Arrays.equals(x.getValue(), y.getValue())) return false;
        }
        return children.equals(other.children);
    }

    @Override
    public int hashCode() {
        int h = name.hashCode();
        for (var e : properties.entrySet()) h = 31 * h + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        return 31 * h + children.hashCode();
    }

    @Override
    public String toString() {
        return path() + " (" + properties.size() + " properties, " + children.size() + " children)";
    }
}
