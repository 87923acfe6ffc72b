package efikexec.memmap.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.memmap.MapInvariants;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.TargetMemory;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import java.util.List;
import java.util.function.Supplier;

/**
 * Drives the allocators the way a payload would and checks, after every call: the status the
 * test expected (named in the failure message), the map invariants, that a failed call left
 * the map alone, and that the key changed exactly when the map did.
 */
final class CheckedAllocator {
    final MemoryMap map;
    final PageAllocator pages;
    final PoolAllocator pool;

    CheckedAllocator(TargetMemory target) {
        map = MemoryMap.fromTarget(target);
        pages = new PageAllocator(map);
        pool = new PoolAllocator(pages);
        MapInvariants.assertValid(map);
    }

    List<MemoryDescriptor> descriptors() {
        return map.descriptors();
    }

    /** AllocatePages expecting {@code expected}; the address on SUCCESS. */
    long allocatePages(EfiStatus expected, Placement p, MemoryType type, long count) {
        return allocatePages(expected, p, type.value(), count);
    }

    long allocatePages(EfiStatus expected, Placement p, int type, long count) {
        String call = String.format("AllocatePages(%s, type 0x%x, %d pages)", describe(p), type, count);
        AllocationResult r = step(call, expected, () -> pages.allocatePages(p, type, count), AllocationResult::status);
        return r.address();
    }

    void freePages(EfiStatus expected, long address, long count) {
        String call = String.format("FreePages(0x%x, %d pages)", address, count);
        step(call, expected, () -> pages.freePages(address, count), s -> s);
    }

    long allocatePool(EfiStatus expected, int type, long size) {
        String call = String.format("AllocatePool(type 0x%x, %d bytes)", type, size);
        return step(call, expected, () -> pool.allocatePool(type, size), AllocationResult::status).address();
    }

    long allocatePool(EfiStatus expected, MemoryType type, long size) {
        return allocatePool(expected, type.value(), size);
    }

    void freePool(EfiStatus expected, long address) {
        String call = String.format("FreePool(0x%x)", address);
        step(call, expected, () -> pool.freePool(address), s -> s);
    }

    private <T> T step(String call, EfiStatus expected, Supplier<T> op, java.util.function.Function<T, EfiStatus> status) {
        List<MemoryDescriptor> before = map.descriptors();
        long key = map.mapKey();
        T result = op.get();
        EfiStatus got = status.apply(result);
        assertThat(got).as("%s should return %s\n%s", call, expected, map).isEqualTo(expected);
        MapInvariants.assertValid(map);
        if (got.isError()) {
            assertThat(map.descriptors()).as("%s failed (%s) and must not change the map", call, got).isEqualTo(before);
        }
        if (map.descriptors().equals(before)) {
            assertThat(map.mapKey()).as("%s left the map as it was, so the key must stay", call).isEqualTo(key);
        } else {
            assertThat(map.mapKey()).as("%s changed the map, so the key must change", call).isNotEqualTo(key);
        }
        return result;
    }

    private static String describe(Placement p) {
        if (p instanceof Placement.At at) return String.format("At 0x%x align 0x%x", at.address(), at.alignment());
        if (p instanceof Placement.Below b) return String.format("Below 0x%x align 0x%x", b.maxAddress(), b.alignment());
        return String.format("Anywhere align 0x%x", p.alignment());
    }
}
