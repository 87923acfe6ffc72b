package efikexec.emulator.run;

import efikexec.memmap.MemoryDescriptor;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The machine state at kernel entry that must survive into a boot with no firmware: the memory
 * the kernel may read after its first instruction, and the registers it starts with.
 *
 * <p>What is kept (EFI-NOTES "Handoff", proven by a throw-away reference and by the kernel's own
 * use): the ranges the final EFI memory map types as EfiLoaderCode/Data (the kernel image and
 * whatever its stub allocated: the FDT or boot_params, command line, initrd, memory map copies),
 * EfiRuntimeServicesCode/Data (system, runtime and config tables, the runtime services' real
 * code), EfiACPIReclaimMemory (6.1 keeps its final memory map there, and the random seed table)
 * and EfiACPIMemoryNVS. What the firmware used only before ExitBootServices
 * (EfiBootServicesCode/Data) and free memory stay out, as do the target's reserved ranges: they
 * are not ours to write. So do the images the firmware loaded when the kernel does not run from
 * them (the stub copied the kernel elsewhere, a UKI or zboot image whose kernel runs from its own
 * allocation): everything the kernel needs from them (initrd, command line, device tree) has
 * been copied into the stub's own allocations by then, and Linux counts their pages as free.
 *
 * @param arch "aarch64" or "x86_64"
 * @param ranges the kept ranges in address order, each with its bytes at kernel entry
 * @param entry the kernel's first instruction
 * @param registers the registers at entry as the report names them (x0…, rsi…)
 */
public record Snapshot(String arch, List<Range> ranges, long entry, Map<String, Long> registers) {
    /** One kept range of target physical memory and its contents. */
    public record Range(long start, MemoryType type, byte[] bytes) {
        public long end() {
            return start + bytes.length;
        }
    }

    /** The memory types whose ranges the kernel may read after entry. */
    public static final Set<MemoryType> KEPT = EnumSet.of(MemoryType.LOADER_CODE, MemoryType.LOADER_DATA,
            MemoryType.RUNTIME_SERVICES_CODE, MemoryType.RUNTIME_SERVICES_DATA, MemoryType.ACPI_RECLAIM,
            MemoryType.ACPI_NVS);

    /** Ranges larger than a Java array holds are refused (no kernel snapshot comes near it). */
    private static final long MAX_RANGE = Integer.MAX_VALUE - 8;

    /**
     * Takes the snapshot of a run that reached kernel entry; reads guest memory, so the engine
     * must still be open.
     */
    public static Snapshot take(RunResult r, String arch) {
        if (r.outcome() != Outcome.KERNEL_ENTRY) {
            throw new IllegalStateException("a snapshot needs a run that reached kernel entry, not " + r.outcome().label());
        }
        GuestMemory mem = r.firmware().memory();
        List<Range> ranges = new ArrayList<>();
        long entry = r.kernelEntry().pc();
        List<efikexec.bootservices.LoadedImage> leftBehind = new ArrayList<>();
        for (efikexec.bootservices.LoadedImage img : r.firmware().images()) {
            if (entry < img.base() || entry >= img.base() + img.size()) leftBehind.add(img);
        }
        for (MemoryDescriptor d : r.firmware().memoryMap().descriptors()) {
            MemoryType t = d.type();
            if (t == null || !KEPT.contains(t)) continue;
            if (t == MemoryType.LOADER_CODE && leftBehind.stream().anyMatch(img -> img.base() == d.physicalStart()
                    && img.size() == d.numberOfPages() * 4096)) {
                continue;
            }
            long size = d.numberOfPages() * 4096;
            if (size > MAX_RANGE) throw new IllegalStateException(String.format("a %s range of 0x%x bytes at 0x%x", t, size, d.physicalStart()));
            ranges.add(new Range(d.physicalStart(), t, mem.read(d.physicalStart(), (int) size)));
        }
        ranges.sort(java.util.Comparator.comparingLong(Range::start));
        return new Snapshot(arch, List.copyOf(ranges), r.kernelEntry().pc(), Map.copyOf(r.registers()));
    }

    /** Bytes kept in all. */
    public long bytes() {
        long n = 0;
        for (Range x : ranges) n += x.bytes.length;
        return n;
    }
}
