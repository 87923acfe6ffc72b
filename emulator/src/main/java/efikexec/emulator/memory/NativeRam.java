package efikexec.emulator.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Anonymous private mappings for guest RAM: zero-filled and committed only where touched, so
 * a target with gigabytes of RAM costs only what the guest writes. Java reads and writes them
 * directly; the engine maps the same host pages.
 */
public final class NativeRam {
    private NativeRam() {
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int munmap(Pointer addr, long length);
    }

    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;

    public static Pointer allocate(long size) {
        Pointer p = LibC.INSTANCE.mmap(null, size, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0);
        if (p == null || Pointer.nativeValue(p) == -1L) {
            throw new OutOfMemoryError(String.format("cannot reserve %d MiB of host memory for guest RAM", size >> 20));
        }
        return p;
    }

    public static void free(Pointer p, long size) {
        LibC.INSTANCE.munmap(p, size);
    }
}
