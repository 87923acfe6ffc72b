package efikexec.model.fdt;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A flattened device tree: the root node, the memory reservation block (/memreserve/ entries)
 * and the header's {@code boot_cpuid_phys}. Equal trees give equal bytes, and
 * {@code Fdt.parse(x.toBytes()).equals(x)}.
 *
 * @param root the root node (name "", no parent); mutable, so an {@code Fdt} is a handle on a
 *     tree that may be edited in place ({@code fdt.root().childOrAdd("chosen")…})
 * @param reservations the /memreserve/ entries in order, without the terminating zero entry
 * @param bootCpuId {@code boot_cpuid_phys}, a raw 32-bit value
 */
public record Fdt(FdtNode root, List<FdtRange> reservations, int bootCpuId) {
    /** The magic number at offset 0, big-endian. */
    public static final int MAGIC = 0xd00dfeed;
    /** The version {@link #toBytes()} writes. */
    public static final int VERSION = 17;
    /** The last_comp_version {@link #toBytes()} writes (a version 17 blob reads as 16). */
    public static final int LAST_COMPATIBLE_VERSION = 16;

    public Fdt {
        Objects.requireNonNull(root, "root");
        if (root.parent().isPresent()) throw new IllegalArgumentException("root has a parent: " + root.path());
        if (!root.name().isEmpty()) throw new IllegalArgumentException("root node name must be empty: " + root.name());
        reservations = List.copyOf(reservations);
    }

    /** A tree with no reservations and boot CPU 0. */
    public static Fdt of(FdtNode root) {
        return new Fdt(root, List.of(), 0);
    }

    /**
     * Parses and validates a DTB (version 16 or later, readable by a version 17 reader).
     * Bytes after {@code totalsize} are ignored.
     *
     * @throws efikexec.model.FormatException for any defect, naming the field and its offset
     */
    public static Fdt parse(byte[] dtb) {
        return FdtParser.parse(dtb);
    }

    /** The DTB, version 17, without padding. */
    public byte[] toBytes() {
        return toBytes(0);
    }

    /**
     * The DTB, version 17, followed by {@code padding} zero bytes counted in {@code totalsize}
     * (dtc's {@code -p}): free space for whoever edits the blob in place. The Linux EFI stub
     * needs none: it copies the tree it is given into a larger allocation before editing it.
     */
    public byte[] toBytes(int padding) {
        if (padding < 0) throw new IllegalArgumentException("negative padding " + padding);
        return FdtWriter.write(this, padding);
    }

    /** The node at an absolute path ("/", "/chosen", "/memory@40000000"). */
    public Optional<FdtNode> node(String path) {
        return root.node(path);
    }
}
