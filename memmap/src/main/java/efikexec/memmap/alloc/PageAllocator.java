package efikexec.memmap.alloc;

import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;

/**
 * AllocatePages and FreePages (UEFI 2.10, 7.2) over a {@link MemoryMap}. The map is the only
 * state: an allocation is a conversion of CONVENTIONAL pages to the caller's type, a free the
 * conversion back, so GetMemoryMap always shows exactly what was handed out.
 *
 * <p>Only CONVENTIONAL pages are ever handed out; reserved ranges and anything outside RAM are
 * not in the CONVENTIONAL part of the map and therefore cannot be. Page 0 is never handed out
 * either, even when it is RAM: a payload that gets address 0 cannot tell it from a failed
 * allocation or a null pointer.
 *
 * <p>Status codes follow the spec and, where the spec is silent, U-Boot (lib/efi_loader/
 * efi_memory.c), since the stubs we run are tested against it as much as against edk2.
 */
public final class PageAllocator {
    private static final int CONVENTIONAL = MemoryType.CONVENTIONAL.value();
    private static final int RESERVED = MemoryType.RESERVED.value();

    private final MemoryMap map;

    public PageAllocator(MemoryMap map) {
        this.map = map;
    }

    public MemoryMap map() {
        return map;
    }

    /**
     * Whether a payload may ask for memory of this raw EFI type. Not: EfiConventionalMemory
     * (that is "free", not a use), EfiPersistentMemory (a property of the hardware, UEFI says so
     * explicitly), EfiUnusableMemory (means "RAM with errors": stricter than the spec, which
     * leaves it allowed, because nothing should label good RAM that way and the kernel would
     * then never use it), and the undefined values up to 0x6fffffff (EfiUnacceptedMemoryType,
     * 15, among them: only the platform may create it). OEM and OS values are allowed and are
     * recorded in the map as they are.
     */
    public static boolean isAllocatableType(int efiType) {
        if (MemoryDescriptor.isOemOrOsType(efiType)) return true;
        MemoryType t = MemoryType.fromValue(Integer.toUnsignedLong(efiType));
        return t != null && t != MemoryType.CONVENTIONAL && t != MemoryType.PERSISTENT && t != MemoryType.UNUSABLE;
    }

    /** {@link #allocatePages(Placement, int, long)} for the firmware's own allocations. */
    public AllocationResult allocatePages(Placement placement, MemoryType type, long pages) {
        return allocatePages(placement, type.value(), pages);
    }

    /**
     * AllocatePages with the guest's raw type value. INVALID_PARAMETER for a type that may not
     * be allocated ({@link #isAllocatableType}) or for zero pages (the spec names no status for
     * it; zero pages has no address to return). For Anywhere/Below, OUT_OF_RESOURCES when no
     * free range fits; for At, NOT_FOUND when the pages are not all free RAM — and also when
     * the address is not aligned: edk2 and U-Boot both answer NOT_FOUND there (U-Boot:
     * "if (*memory & EFI_PAGE_MASK) return EFI_NOT_FOUND"), and we follow U-Boot. A page count
     * whose size overflows (the guest's UINTN read as unsigned) cannot fit anywhere and gets
     * the same "does not fit" status. A failed call leaves the map and its key untouched.
     */
    public AllocationResult allocatePages(Placement placement, int efiType, long pages) {
        if (!isAllocatableType(efiType) || pages == 0) {
            return AllocationResult.failure(EfiStatus.INVALID_PARAMETER);
        }
        EfiStatus doesNotFit = placement instanceof Placement.At ? EfiStatus.NOT_FOUND : EfiStatus.OUT_OF_RESOURCES;
        if (pages < 0 || pages > Long.MAX_VALUE >>> MemoryMap.PAGE_SHIFT) {
            return AllocationResult.failure(doesNotFit);
        }
        long length = pages << MemoryMap.PAGE_SHIFT;
        long address;
        if (placement instanceof Placement.At at) {
            address = fitsAt(at, length) ? at.address() : -1;
        } else if (placement instanceof Placement.Below below) {
            long max = below.maxAddress();
            long limit = max < 0 || max == Long.MAX_VALUE ? Long.MAX_VALUE : max + 1;
            address = highestFit(length, limit, below.alignment());
        } else {
            address = highestFit(length, Long.MAX_VALUE, placement.alignment());
        }
        if (address < 0) {
            return AllocationResult.failure(doesNotFit);
        }
        map.convert(address, pages, efiType);
        return AllocationResult.success(address);
    }

    /** Whether [at, at + length) is aligned, not page 0, and one free (CONVENTIONAL) range. */
    private boolean fitsAt(Placement.At at, long length) {
        long address = at.address();
        if (address <= 0 || (address & (at.alignment() - 1)) != 0 || address > Long.MAX_VALUE - length) {
            return false;
        }
        MemoryDescriptor d = map.find(address);
        // Adjacent free descriptors are always merged, so one descriptor must hold it all.
        return d != null && d.typeValue() == CONVENTIONAL && d.end() >= address + length;
    }

    /**
     * The highest aligned start of a free range of {@code length} bytes ending at or below
     * {@code limit} (exclusive), or -1. Free descriptors are maximal (merged), so the first one
     * that fits, scanning down, holds the highest answer.
     */
    private long highestFit(long length, long limit, long alignment) {
        var ds = map.descriptors();
        for (int i = ds.size() - 1; i >= 0; i--) {
            MemoryDescriptor d = ds.get(i);
            if (d.typeValue() != CONVENTIONAL) continue;
            long top = Math.min(d.end(), limit);
            if (top - length < d.physicalStart()) continue;
            long candidate = (top - length) & -alignment;
            // candidate == 0 would be page 0; nothing below it in this or lower descriptors either
            if (candidate >= d.physicalStart() && candidate > 0) return candidate;
        }
        return -1;
    }

    /**
     * FreePages. INVALID_PARAMETER for an unaligned address or zero pages; NOT_FOUND unless
     * every page of the range is allocated — that is, lies in RAM and has an allocatable type
     * other than EfiReservedMemoryType. Reserved pages are never freed: the map cannot tell the
     * target's reserved ranges from a payload's EfiReservedMemoryType allocation, and keeping
     * such an allocation for good costs little, while handing out the target's reserved memory
     * would break the machine. The range may span several allocations; each goes back to
     * CONVENTIONAL and merges with its free neighbours.
     */
    public EfiStatus freePages(long address, long pages) {
        if ((address & (MemoryMap.PAGE_SIZE - 1)) != 0 || pages == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (!map.covers(address, pages)) {
            return EfiStatus.NOT_FOUND;
        }
        for (MemoryDescriptor d : map.overlapping(address, pages)) {
            if (d.typeValue() == RESERVED || !isAllocatableType(d.typeValue())) {
                return EfiStatus.NOT_FOUND;
            }
        }
        map.convert(address, pages, CONVENTIONAL);
        return EfiStatus.SUCCESS;
    }
}
