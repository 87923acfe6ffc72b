package efikexec.emulator.cpu;

import java.util.Map;
import java.util.TreeMap;

/**
 * The CPUID answers the firmware gives x86 stubs: those of QEMU's qemu64 model (what Unicorn
 * executes: claiming more would let the stub use instructions the engine does not decode),
 * with what must stay hidden hidden (EFI-NOTES "x86_64"): no LA57 (the stub would switch to
 * 5-level paging), no SEV leaf (memory encryption), no RDRAND (KASLR entropy must come from the
 * seeded EFI_RNG for runs to repeat). Public so tests and reports can read it.
 */
public final class X64Cpuid {
    private X64Cpuid() {
    }

    /** leaf → {eax, ebx, ecx, edx} for subleaf 0; leaves not here answer zeros. */
    public static final Map<Integer, long[]> TABLE = table();

    private static Map<Integer, long[]> table() {
        Map<Integer, long[]> t = new TreeMap<>(Integer::compareUnsigned);
        // Max basic leaf 0xd; vendor "GenuineIntel" in ebx, edx, ecx.
        t.put(0x0, new long[] {0xd, 0x756e6547L, 0x6c65746eL, 0x49656e69L});
        // Family 6 model 6 (qemu64); CLFLUSH line 8 × 8 bytes; SSE3|CX16, no RDRAND (bit 30),
        // hypervisor bit set as QEMU does; EDX as qemu64 (FPU … SSE2, no HTT).
        t.put(0x1, new long[] {0x00000663L, 0x00000800L, 0x80002001L, 0x078bfbffL});
        // Structured features: none, LA57 (ECX bit 16) in particular.
        t.put(0x7, new long[] {0, 0, 0, 0});
        // Max extended leaf 0x80000008: below 0x8000001f, so no SEV query is answered.
        t.put(0x80000000, new long[] {0x80000008L, 0, 0, 0});
        // LAHF in ECX; EDX: SYSCALL, NX, RDTSCP-less, LM (EFI-NOTES: 0x2c100800 works).
        t.put(0x80000001, new long[] {0x00000663L, 0, 0x00000001L, 0x2c100800L});
        // 40 physical, 48 virtual address bits.
        t.put(0x80000008, new long[] {0x00003028L, 0, 0, 0});
        return t;
    }

    public static long[] answer(int leaf, int subleaf) {
        if (leaf == 0x7 && subleaf != 0) return new long[4];
        long[] v = TABLE.get(leaf);
        return v != null ? v.clone() : new long[4];
    }
}
