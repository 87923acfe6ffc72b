package efikexec.bootservices;

import efikexec.memmap.alloc.AllocationResult;
import efikexec.memmap.alloc.PageAllocator;
import efikexec.memmap.alloc.Placement;
import efikexec.model.MemoryType;
import java.util.EnumMap;
import java.util.Map;

/**
 * Small allocations for the firmware's own structures (tables, protocol interfaces, device
 * paths), packed into pages of the memory type a real firmware would use for them, so the
 * final map has a few firmware descriptors rather than one page per structure.
 */
public final class FirmwareHeap {
    private static final long CHUNK_PAGES = 4;

    private final PageAllocator pages;
    private final Map<MemoryType, long[]> open = new EnumMap<>(MemoryType.class); // {next, end}

    private final efikexec.model.memory.GuestMemory mem;

    public FirmwareHeap(PageAllocator pages, efikexec.model.memory.GuestMemory mem) {
        this.pages = pages;
        this.mem = mem;
    }

    /** 16-byte aligned, zeroed by the caller's memory (fresh pages are zero in a new target). */
    public long allocate(MemoryType type, long size) {
        long aligned = (size + 15) & ~15L;
        long[] c = open.get(type);
        if (c == null || c[1] - c[0] < aligned) {
            long n = Math.max(CHUNK_PAGES, (aligned + 4095) / 4096);
            AllocationResult r = pages.allocatePages(new Placement.Anywhere(), type, n);
            if (r.status().isError()) {
                throw new FirmwareException("no memory for the firmware's own " + type.efiName() + " (" + size + " bytes)");
            }
            c = new long[] {r.address(), r.address() + n * 4096};
            open.put(type, c);
        }
        long a = c[0];
        c[0] += aligned;
        mem.fill(a, aligned, 0);
        return a;
    }
}
