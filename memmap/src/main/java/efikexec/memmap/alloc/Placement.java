package efikexec.memmap.alloc;

/**
 * Where {@link PageAllocator} may put an allocation: the three EFI_ALLOCATE_TYPEs, each with an
 * alignment. The guest's AllocatePages always uses the 4 KiB default; larger alignments are for
 * the firmware's own placements (a 2 MiB aligned kernel copy), so that those go through the
 * same search and show up in the same map instead of being carved out by hand.
 *
 * <p>Free ranges are searched from the top down, as edk2 and U-Boot do: stubs that ask for
 * "anywhere" then get memory far from the low addresses they may want to claim with
 * {@link At} later (x86 puts the kernel at 0x1000000).
 */
public sealed interface Placement {
    /** One EFI page. */
    long DEFAULT_ALIGNMENT = 4096;

    /** Power of two, at least {@link #DEFAULT_ALIGNMENT}. */
    long alignment();

    /** AllocateAnyPages: the highest suitably aligned free range. */
    record Anywhere(long alignment) implements Placement {
        public Anywhere {
            Placement.checkAlignment(alignment);
        }

        public Anywhere() {
            this(DEFAULT_ALIGNMENT);
        }
    }

    /**
     * AllocateMaxAddress: the highest free range whose last byte is at or below
     * {@code maxAddress} (inclusive, as UEFI defines it, so 0xffffffff means "below 4 GiB").
     * Read as unsigned: any value at or above 2^63 is no limit at all.
     */
    record Below(long maxAddress, long alignment) implements Placement {
        public Below {
            Placement.checkAlignment(alignment);
        }

        public Below(long maxAddress) {
            this(maxAddress, DEFAULT_ALIGNMENT);
        }
    }

    /** AllocateAddress: exactly at {@code address}, which must be aligned and wholly free. */
    record At(long address, long alignment) implements Placement {
        public At {
            Placement.checkAlignment(alignment);
        }

        public At(long address) {
            this(address, DEFAULT_ALIGNMENT);
        }
    }

    private static void checkAlignment(long alignment) {
        if (alignment < DEFAULT_ALIGNMENT || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two >= 4096: " + alignment);
        }
    }
}
