package efikexec.kexec.syscall;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * kexec_load(2), reboot(2) and sync(2) of this Linux kernel, through libc. glibc has no
 * kexec_load wrapper: it is called through syscall(2).
 */
public final class LinuxKexec {
    interface LibC extends Library {
        long syscall(long number, Object... args) throws LastErrorException;

        int reboot(int command) throws LastErrorException;

        void sync();
    }

    private final LibC libc = Native.load("c", LibC.class);
    private final String arch;

    public LinuxKexec(String arch) {
        this.arch = arch;
    }

    /**
     * Loads segments whose buffers lie in {@code source} (a direct buffer, e.g. the mapped
     * handoff.elf) at the given offsets.
     *
     * @param entries buf = offset into source, bufsz, mem, memsz
     */
    public void load(long entry, ByteBuffer source, List<KexecSegmentTable.Entry> entries, long flags) {
        Pointer base = Native.getDirectBufferPointer(source);
        List<KexecSegmentTable.Entry> native_ = entries.stream()
                .map(e -> new KexecSegmentTable.Entry(Pointer.nativeValue(base) + e.buf(), e.bufsz(), e.mem(), e.memsz()))
                .toList();
        byte[] table = KexecSegmentTable.encode(native_);
        Memory segments = new Memory(Math.max(1, table.length));
        segments.write(0, table, 0, table.length);
        try {
            libc.syscall(KexecFlags.kexecLoadSyscall(arch), entry, (long) entries.size(), segments, flags);
        } catch (LastErrorException e) {
            throw new KexecException("kexec_load(2): " + Errno.describe(e.getErrorCode(), "kexec_load"), e.getErrorCode());
        }
    }

    /** kexec_load with no segments: the loaded image, if any, is dropped. */
    public void unload() {
        try {
            libc.syscall(KexecFlags.kexecLoadSyscall(arch), 0L, 0L, Pointer.NULL, KexecFlags.KEXEC_ARCH_DEFAULT);
        } catch (LastErrorException e) {
            throw new KexecException("kexec_load(2) to unload: " + Errno.describe(e.getErrorCode(), "kexec_load"), e.getErrorCode());
        }
    }

    /** Flushes file systems, then reboots into the loaded image; returns only on failure. */
    public void exec() {
        libc.sync();
        try {
            libc.reboot(KexecFlags.LINUX_REBOOT_CMD_KEXEC);
        } catch (LastErrorException e) {
            throw new KexecException("reboot(2) LINUX_REBOOT_CMD_KEXEC: " + Errno.describe(e.getErrorCode(), "reboot"),
                    e.getErrorCode());
        }
    }
}
