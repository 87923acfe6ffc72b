package efikexec.memmap;

import efikexec.model.MemoryType;

/**
 * One EFI_MEMORY_DESCRIPTOR: {@code numberOfPages} 4 KiB pages from {@code physicalStart}.
 *
 * <p>The type is kept as the raw 32-bit EFI value ({@code typeValue}, read as unsigned) rather
 * than as a {@link MemoryType}, because a payload may allocate memory of an OEM
 * (0x70000000–0x7fffffff) or OS (0x80000000–0xffffffff) type, and the map has to carry that
 * value through to GetMemoryMap and to the kernel unchanged; the enum has no constant for it.
 * {@link #type()} gives the enum for the defined types.
 *
 * <p>The record checks nothing: {@link MemoryMap#decode} also turns maps that somebody else
 * wrote (the kernel's copy, a bundle) into descriptors, and those must be reportable even when
 * broken. The map enforces its own invariants.
 */
public record MemoryDescriptor(int typeValue, long physicalStart, long numberOfPages, long attribute) {

    /** First value of the OEM range; everything from here to 0xffffffff (OEM, then OS) is allowed. */
    public static final long FIRST_OEM_TYPE = 0x7000_0000L;

    /** A descriptor of a defined type (the usual case inside the firmware). */
    public MemoryDescriptor(MemoryType type, long physicalStart, long numberOfPages, long attribute) {
        this(type.value(), physicalStart, numberOfPages, attribute);
    }

    /** The defined type, or null when the value is an OEM/OS (or undefined) type. */
    public MemoryType type() {
        return MemoryType.fromValue(Integer.toUnsignedLong(typeValue));
    }

    /** Whether the raw value lies in the OEM or OS range, which UEFI lets payloads allocate. */
    public static boolean isOemOrOsType(int typeValue) {
        return Integer.toUnsignedLong(typeValue) >= FIRST_OEM_TYPE;
    }

    /** The first address after the range. */
    public long end() {
        return physicalStart + (numberOfPages << MemoryMap.PAGE_SHIFT);
    }

    public boolean contains(long address) {
        return address >= physicalStart && address < end();
    }

    /** The spec's name of the type (EfiLoaderData …), or "OEM 0x…"/"OS 0x…", for reports. */
    public String typeName() {
        MemoryType t = type();
        if (t != null) return t.efiName();
        long v = Integer.toUnsignedLong(typeValue);
        if (v >= 0x8000_0000L) return String.format("OS 0x%x", v);
        if (v >= FIRST_OEM_TYPE) return String.format("OEM 0x%x", v);
        return String.format("undefined 0x%x", v);
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x) %s attr 0x%x", physicalStart, end(), typeName(), attribute);
    }
}
