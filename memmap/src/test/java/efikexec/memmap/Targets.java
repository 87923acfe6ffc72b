package efikexec.memmap;

import java.util.List;

/** The target machines the tests build maps from. */
public final class Targets {
    private Targets() {}

    public static PhysicalRange range(long start, long end) {
        return new PhysicalRange(start, end - start);
    }

    /**
     * QEMU arm64 virt with 1 GiB: RAM at 0x40000000, the first MiB held by QEMU's DTB, and a
     * small unaligned reserved range inside ([0x48000800, 0x48002800) → pages 0x48000000–0x48003000).
     */
    public static TargetMemory virt1G() {
        return new TargetMemory(
                List.of(range(0x4000_0000L, 0x8000_0000L)),
                List.of(range(0x4000_0000L, 0x4010_0000L), range(0x4800_0800L, 0x4800_2800L)));
    }

    /**
     * A PC-like two-bank target: low RAM [0, 0x9fc00) (rounds down to 0x9f000, page 0 included),
     * RAM from 1 MiB to 1 GiB whose top MiB is the firmware's; the EBDA and BIOS area lie outside
     * RAM and so stay out of the map.
     */
    public static TargetMemory twoBanks() {
        return new TargetMemory(
                List.of(range(0, 0x9fc00L), range(0x10_0000L, 0x4000_0000L)),
                List.of(range(0x9fc00L, 0xa0000L), range(0xf0000L, 0x10_0000L), range(0x3ff0_0000L, 0x4000_0000L)));
    }
}
