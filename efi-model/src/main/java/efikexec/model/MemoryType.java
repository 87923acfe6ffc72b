package efikexec.model;

/** EFI_MEMORY_TYPE (UEFI 2.10, 7.2). The ordinal is the EFI value. */
public enum MemoryType {
    RESERVED,
    LOADER_CODE,
    LOADER_DATA,
    BOOT_SERVICES_CODE,
    BOOT_SERVICES_DATA,
    RUNTIME_SERVICES_CODE,
    RUNTIME_SERVICES_DATA,
    CONVENTIONAL,
    UNUSABLE,
    ACPI_RECLAIM,
    ACPI_NVS,
    MEMORY_MAPPED_IO,
    MEMORY_MAPPED_IO_PORT_SPACE,
    PAL_CODE,
    PERSISTENT;

    public int value() {
        return ordinal();
    }

    /** The type for an EFI value, or null when the value is not a defined type. */
    public static MemoryType fromValue(long v) {
        return v >= 0 && v < values().length ? values()[(int) v] : null;
    }

    /** The names the EFI spec uses (EfiLoaderCode …), which reports show. */
    public String efiName() {
        return switch (this) {
            case RESERVED -> "EfiReservedMemoryType";
            case LOADER_CODE -> "EfiLoaderCode";
            case LOADER_DATA -> "EfiLoaderData";
            case BOOT_SERVICES_CODE -> "EfiBootServicesCode";
            case BOOT_SERVICES_DATA -> "EfiBootServicesData";
            case RUNTIME_SERVICES_CODE -> "EfiRuntimeServicesCode";
            case RUNTIME_SERVICES_DATA -> "EfiRuntimeServicesData";
            case CONVENTIONAL -> "EfiConventionalMemory";
            case UNUSABLE -> "EfiUnusableMemory";
            case ACPI_RECLAIM -> "EfiACPIReclaimMemory";
            case ACPI_NVS -> "EfiACPIMemoryNVS";
            case MEMORY_MAPPED_IO -> "EfiMemoryMappedIO";
            case MEMORY_MAPPED_IO_PORT_SPACE -> "EfiMemoryMappedIOPortSpace";
            case PAL_CODE -> "EfiPalCode";
            case PERSISTENT -> "EfiPersistentMemory";
        };
    }
}
