package efikexec.model.fdt;

/**
 * An (address, size) pair of a device tree: a /memreserve/ entry or one decoded tuple of a
 * {@code reg} property. Both are unsigned 64-bit values.
 */
public record FdtRange(long address, long size) {
    @Override
    public String toString() {
        return String.format("(0x%x, 0x%x)", address, size);
    }
}
