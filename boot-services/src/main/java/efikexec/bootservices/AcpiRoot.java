package efikexec.bootservices;

import efikexec.model.Guid;
import efikexec.model.KnownGuids;

/**
 * A target's ACPI Root System Description Pointer, passed through as a config table: the
 * firmware of the machine already built its ACPI tables, and the new kernel finds them there.
 *
 * @param address the RSDP's physical address on the target
 * @param revision its revision byte: 2 or more is ACPI 2.0+ (an XSDT), installed under
 *     ACPI_20_TABLE_GUID; less, under ACPI_TABLE_GUID
 */
public record AcpiRoot(long address, int revision) {
    public Guid guid() {
        return revision >= 2 ? KnownGuids.ACPI_20 : KnownGuids.ACPI_10;
    }
}
