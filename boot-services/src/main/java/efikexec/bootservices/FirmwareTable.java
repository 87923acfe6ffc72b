package efikexec.bootservices;

import efikexec.model.Guid;

/**
 * A table the target machine's own firmware already built, passed through as a config table
 * (--host: its ACPI RSDP, its SMBIOS entry point): the tables stay where that firmware put them,
 * in memory the target reserves, and the new kernel finds them through our system table.
 *
 * @param guid ACPI_20/ACPI (RSDP revision ≥ 2 or not), SMBIOS3/SMBIOS (3.x or 2.x entry point)
 * @param address the table's physical address on the target
 */
public record FirmwareTable(Guid guid, long address) {
}
