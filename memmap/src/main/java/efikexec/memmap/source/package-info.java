/**
 * Where the target machine's memory description comes from (DESIGN.md, "Addresses are the
 * target's physical addresses"): each source turns one form of input into a
 * {@link efikexec.memmap.TargetMemory} — {@link efikexec.memmap.source.FdtMemorySource} for
 * {@code --dtb FILE}, {@link efikexec.memmap.source.RamSpecSource} for {@code --ram BASE:SIZE},
 * {@link efikexec.memmap.source.E820MemorySource} for {@code --memmap FILE|DIR} (x86: the e820
 * lines of a kernel log, or a copy of /sys/firmware/memmap) and the default q35 target.
 * Sources are plain static functions of their input; malformed input is a
 * {@link efikexec.model.FormatException} naming the field and offset.
 */
package efikexec.memmap.source;
