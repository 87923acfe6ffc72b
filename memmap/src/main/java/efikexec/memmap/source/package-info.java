/**
 * Where the target machine's memory description comes from (DESIGN.md, "Addresses are the
 * target's physical addresses"): each source turns one form of input into a
 * {@link efikexec.memmap.TargetMemory} — {@link efikexec.memmap.source.FdtMemorySource} for
 * {@code --dtb FILE}, {@link efikexec.memmap.source.RamSpecSource} for {@code --ram BASE:SIZE}.
 * Sources are plain static functions of their input; malformed input is a
 * {@link efikexec.model.FormatException} naming the field and offset.
 */
package efikexec.memmap.source;
