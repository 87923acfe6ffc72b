package efikexec.memmap;

import efikexec.model.MemoryType;

/** Short ways to write the descriptor lists the tests expect, by [start, end) rather than pages. */
public final class ExpectedDescriptors {
    private ExpectedDescriptors() {}

    public static MemoryDescriptor free(long start, long end) {
        return typed(MemoryType.CONVENTIONAL, start, end);
    }

    public static MemoryDescriptor reserved(long start, long end) {
        return typed(MemoryType.RESERVED, start, end);
    }

    public static MemoryDescriptor typed(MemoryType type, long start, long end) {
        return typed(type.value(), start, end);
    }

    public static MemoryDescriptor typed(int typeValue, long start, long end) {
        return new MemoryDescriptor(typeValue, start, (end - start) / MemoryMap.PAGE_SIZE,
                MemoryAttributes.forType(typeValue));
    }
}
