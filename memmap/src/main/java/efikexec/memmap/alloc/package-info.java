/**
 * Page and pool allocation for boot services, as policies over {@link efikexec.memmap.MemoryMap}.
 *
 * <p>Implemented: AllocatePages (AllocateAnyPages, AllocateMaxAddress, AllocateAddress, plus
 * larger alignments for the firmware's own placements), FreePages, AllocatePool, FreePool.
 * Not here: random placement (KASLR-style placement of loaded images is the caller's choice
 * of an {@link efikexec.memmap.alloc.Placement.At} address), and anything about guest memory
 * contents — these classes never read or write the guest's RAM.
 */
package efikexec.memmap.alloc;
