/**
 * Unified kernel images: a systemd-stub PE with the kernel, initrd, command line and os-release
 * carried in named sections. {@link efikexec.pe.uki.UkiBuilder} writes one the way ukify does,
 * {@link efikexec.pe.uki.UkiSections} reads one back, {@link efikexec.pe.uki.Sbat} merges the
 * SBAT revocation data of the stub and the kernel.
 */
package efikexec.pe.uki;
