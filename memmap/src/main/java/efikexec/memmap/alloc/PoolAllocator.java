package efikexec.memmap.alloc;

import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * AllocatePool and FreePool. Every pool allocation gets pages of its own, as in U-Boot: the
 * stubs make a few dozen pool allocations, so packing them would save little and would hide
 * each one's type and extent from the memory map.
 *
 * <p>The bookkeeping (address → pages and type) lives here in Java, not in a header in guest
 * memory as U-Boot keeps it: the guest cannot corrupt it, and a FreePool of an address that is
 * not a live pool allocation — a double free, a pointer into the middle, an AllocatePages
 * address — is caught for certain, not by a checksum.
 */
public final class PoolAllocator {
    private final PageAllocator pages;
    private final NavigableMap<Long, Block> live = new TreeMap<>();

    /** A live pool allocation: its pages and the type it was given. */
    public record Block(long pages, int typeValue) {}

    public PoolAllocator(PageAllocator pages) {
        this.pages = pages;
    }

    /** {@link #allocatePool(int, long)} for the firmware's own allocations. */
    public AllocationResult allocatePool(MemoryType type, long size) {
        return allocatePool(type.value(), size);
    }

    /**
     * AllocatePool with the guest's raw type value and size (read as unsigned). The type rules
     * are those of AllocatePages and are checked first, whatever the size. Size 0 succeeds
     * with address 0 and allocates nothing, as U-Boot's efi_allocate_pool does (the spec says
     * nothing about it; edk2 returns a unique buffer instead); FreePool(0) is then
     * INVALID_PARAMETER, as in U-Boot. The address is page aligned, which more than meets the
     * 8-byte alignment UEFI requires. OUT_OF_RESOURCES when no free range is large enough.
     */
    public AllocationResult allocatePool(int efiType, long size) {
        if (!PageAllocator.isAllocatableType(efiType)) {
            return AllocationResult.failure(EfiStatus.INVALID_PARAMETER);
        }
        if (size == 0) {
            return AllocationResult.success(0);
        }
        if (size < 0 || size > Long.MAX_VALUE - (MemoryMap.PAGE_SIZE - 1)) {
            return AllocationResult.failure(EfiStatus.OUT_OF_RESOURCES);
        }
        long count = (size + MemoryMap.PAGE_SIZE - 1) >>> MemoryMap.PAGE_SHIFT;
        AllocationResult r = pages.allocatePages(new Placement.Anywhere(), efiType, count);
        if (r.isSuccess()) live.put(r.address(), new Block(count, efiType));
        return r;
    }

    /**
     * FreePool. INVALID_PARAMETER for anything that is not the address of a live pool
     * allocation. If the payload has meanwhile released or retyped those pages behind our back
     * (FreePages on a pool buffer), the record is dropped and INVALID_PARAMETER returned too,
     * rather than freeing whatever now lives there.
     */
    public EfiStatus freePool(long address) {
        Block b = live.get(address);
        if (b == null) return EfiStatus.INVALID_PARAMETER;
        live.remove(address);
        for (MemoryDescriptor d : pages.map().overlapping(address, b.pages())) {
            if (d.typeValue() != b.typeValue()) return EfiStatus.INVALID_PARAMETER;
        }
        // Converted directly rather than through FreePages: the record proves these pages are
        // ours, so even a pool of EfiReservedMemoryType (which FreePages keeps) is released.
        pages.map().convert(address, b.pages(), MemoryType.CONVENTIONAL);
        return EfiStatus.SUCCESS;
    }

    /** The live pool allocations by address, for reports and tests; a read-only view. */
    public NavigableMap<Long, Block> allocations() {
        return Collections.unmodifiableNavigableMap(live);
    }
}
