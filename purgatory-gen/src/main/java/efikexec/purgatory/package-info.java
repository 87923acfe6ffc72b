/**
 * The handoff bundle: the machine state at kernel entry packed into at most 16 kexec segments,
 * a generated stub per architecture (our purgatory) that checks each segment's SHA-256 and
 * enters the kernel as the EFI stub would have, and the ELF and manifest that carry them.
 */
package efikexec.purgatory;
