package efikexec.memmap;

import efikexec.model.MemoryType;

/**
 * EFI_MEMORY_* attribute bits (UEFI 2.10, 7.2, EFI_MEMORY_DESCRIPTOR.Attribute) and the
 * attribute this firmware gives each descriptor.
 *
 * <p>The attribute is a function of the type alone. That keeps merging honest (two adjacent
 * descriptors of one type can always become one) and means no caller has to remember which
 * bits to pass: RAM can be mapped with any cacheability, so every descriptor says so, and the
 * kernel must keep runtime regions mapped after ExitBootServices, which it learns only from
 * {@link #RUNTIME}.
 */
public final class MemoryAttributes {
    /** Uncacheable. */
    public static final long UC = 0x1;
    /** Write-combining. */
    public static final long WC = 0x2;
    /** Write-through. */
    public static final long WT = 0x4;
    /** Write-back. */
    public static final long WB = 0x8;
    /** The OS must map this range for runtime services (EFI_MEMORY_RUNTIME). */
    public static final long RUNTIME = 1L << 63;
    /** What plain RAM supports: every cacheability, as edk2 reports system memory. */
    public static final long RAM_DEFAULT = UC | WC | WT | WB;

    private MemoryAttributes() {}

    /**
     * The attribute of a descriptor of this EFI type value: {@link #RAM_DEFAULT}, plus
     * {@link #RUNTIME} for EfiRuntimeServicesCode/Data — without it the kernel would not map
     * the firmware's runtime tables and code after ExitBootServices.
     */
    public static long forType(int typeValue) {
        boolean runtime = typeValue == MemoryType.RUNTIME_SERVICES_CODE.value()
                || typeValue == MemoryType.RUNTIME_SERVICES_DATA.value();
        return runtime ? RAM_DEFAULT | RUNTIME : RAM_DEFAULT;
    }
}
