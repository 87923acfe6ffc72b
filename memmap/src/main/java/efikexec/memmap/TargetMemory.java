package efikexec.memmap;

import java.util.List;

/**
 * What the target machine has: its RAM and the parts of it that the running system or the
 * hardware keeps for itself (never handed out by the allocator). Addresses are the target's
 * physical addresses. Sources: a DTB, an e820/memmap dump, --ram, or the host.
 */
public record TargetMemory(List<PhysicalRange> ram, List<PhysicalRange> reserved) {
    public TargetMemory {
        ram = List.copyOf(ram);
        reserved = List.copyOf(reserved);
    }
}
