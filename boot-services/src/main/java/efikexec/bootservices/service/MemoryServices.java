package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.memmap.MemoryMapSnapshot;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.memmap.alloc.Placement;
import efikexec.model.EfiStatus;
import efikexec.model.memory.GuestMemory;
import java.util.LinkedHashMap;
import java.util.Map;

/** AllocatePages, FreePages, GetMemoryMap, AllocatePool, FreePool (UEFI 2.10, 7.2). */
public final class MemoryServices {
    private static final int ALLOCATE_ANY_PAGES = 0;
    private static final int ALLOCATE_MAX_ADDRESS = 1;
    private static final int ALLOCATE_ADDRESS = 2;

    private final Firmware fw;
    private final GuestMemory mem;

    public MemoryServices(Firmware fw) {
        this.fw = fw;
        this.mem = fw.memory();
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("AllocatePages", new Binding(4, this::allocatePages));
        b.put("FreePages", new Binding(2, a -> freePages(a.arg(0), a.arg(1)).code()));
        b.put("GetMemoryMap", new Binding(5, this::getMemoryMap));
        b.put("AllocatePool", new Binding(3, this::allocatePool));
        b.put("FreePool", new Binding(1, a -> fw.pool().freePool(a.arg(0)).code()));
        return b;
    }

    private long allocatePages(CallArgs a) {
        long type = a.arg(0), memoryType = a.arg(1), pages = a.arg(2), memory = a.arg(3);
        if (memory == 0) return EfiStatus.INVALID_PARAMETER.code();
        Placement p;
        if (type == ALLOCATE_ANY_PAGES) {
            p = new Placement.Anywhere();
        } else if (type == ALLOCATE_MAX_ADDRESS) {
            p = new Placement.Below(mem.readU64(memory));
        } else if (type == ALLOCATE_ADDRESS) {
            p = new Placement.At(mem.readU64(memory));
        } else {
            return EfiStatus.INVALID_PARAMETER.code();
        }
        if (memoryType > 0xffffffffL) return EfiStatus.INVALID_PARAMETER.code();
        AllocationResult r = fw.pages().allocatePages(p, (int) memoryType, pages);
        if (r.isSuccess()) mem.writeU64(memory, r.address());
        return r.status().code();
    }

    private EfiStatus freePages(long address, long pages) {
        return fw.pages().freePages(address, pages);
    }

    private long getMemoryMap(CallArgs a) {
        long sizePtr = a.arg(0), map = a.arg(1), keyPtr = a.arg(2), descSizePtr = a.arg(3), versionPtr = a.arg(4);
        if (sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        MemoryMapSnapshot s = fw.memoryMap().snapshot(mem.readU64(sizePtr));
        // Size and descriptor size are written first, also on BUFFER_TOO_SMALL (U-Boot does).
        mem.writeU64(sizePtr, s.memoryMapSize());
        if (descSizePtr != 0) mem.writeU64(descSizePtr, s.descriptorSize());
        if (versionPtr != 0) mem.writeU32(versionPtr, s.descriptorVersion());
        if (s.status() != EfiStatus.SUCCESS) return s.status().code();
        if (map == 0) return EfiStatus.INVALID_PARAMETER.code();
        mem.write(map, s.descriptors());
        if (keyPtr != 0) mem.writeU64(keyPtr, s.mapKey());
        return EfiStatus.SUCCESS.code();
    }

    private long allocatePool(CallArgs a) {
        long poolType = a.arg(0), size = a.arg(1), buffer = a.arg(2);
        if (buffer == 0 || poolType > 0xffffffffL) return EfiStatus.INVALID_PARAMETER.code();
        AllocationResult r = fw.pool().allocatePool((int) poolType, size);
        if (r.isSuccess()) mem.writeU64(buffer, r.address());
        return r.status().code();
    }
}
