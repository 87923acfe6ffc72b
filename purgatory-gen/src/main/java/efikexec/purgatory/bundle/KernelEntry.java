package efikexec.purgatory.bundle;

import java.util.Map;

/**
 * How the stub enters the kernel: the kernel's first instruction and the registers the EFI stub
 * left for it (arm64: x0 = FDT, x1–x3 = 0; x86: rsi = boot_params), named as in run reports.
 */
public record KernelEntry(long pc, Map<String, Long> registers) {
    public KernelEntry {
        registers = Map.copyOf(registers);
    }
}
