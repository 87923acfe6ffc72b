/**
 * Real kexec (issue 7): a handoff bundle loaded with kexec_load(2) and entered with reboot(2),
 * after the checks kexec_load itself does not make. {@code bundle} reads what {@code efikexec
 * handoff} wrote, {@code host} reads the running machine (its firmware memory map, reserved and
 * crash-kernel ranges, ACPI RSDP, console, and whether this kernel lets us kexec at all),
 * {@code load} decides whether a bundle may be loaded here, {@code syscall} makes the calls.
 */
package efikexec.kexec;
