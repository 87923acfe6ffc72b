package efikexec.emulator.unicorn;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The calls a run makes hundreds of times (registers, run/stop, protections), bound by JNA
 * direct mapping: a plain JNI call each, where the interface mapping of {@link UnicornLibrary}
 * goes through a proxy and reflection, which costs tens of microseconds per call while the JVM
 * is cold. Engine and pointers are passed as addresses ({@code long}).
 */
final class UnicornDirect {
    private UnicornDirect() {
    }

    private static String registered;

    static synchronized void register(String path) {
        if (path.equals(registered)) return;
        if (registered != null) {
            throw new IllegalStateException("libunicorn already bound from " + registered + ", not " + path);
        }
        Native.register(UnicornDirect.class, NativeLibrary.getInstance(path));
        registered = path;
    }

    static native int uc_reg_read(long uc, int regid, long[] value);

    static native int uc_reg_write(long uc, int regid, long[] value);

    static native int uc_emu_start(long uc, long begin, long until, long timeoutMicros, long count);

    static native int uc_emu_stop(long uc);

    static native int uc_mem_protect(long uc, long address, long size, int perms);

    static native int uc_mem_map_ptr(long uc, long address, long size, int perms, long ptr);

    static native int uc_query(long uc, int type, long[] result);
}
