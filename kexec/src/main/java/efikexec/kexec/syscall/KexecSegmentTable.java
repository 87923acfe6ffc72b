package efikexec.kexec.syscall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The {@code struct kexec_segment} array kexec_load(2) takes (include/uapi/linux/kexec.h), for
 * a 64-bit little-endian kernel (x86_64, arm64):
 * <pre>
 * struct kexec_segment { const void *buf; size_t bufsz; const void *mem; size_t memsz; };  32 bytes
 * </pre>
 * buf is a user-space address, mem a physical one.
 */
public final class KexecSegmentTable {
    public static final int ENTRY_SIZE = 32;
    /** kexec_load's KEXEC_SEGMENT_MAX. */
    public static final int MAX_SEGMENTS = 16;

    /** One entry: the user-space buffer and where it goes. */
    public record Entry(long buf, long bufsz, long mem, long memsz) {
    }

    private KexecSegmentTable() {
    }

    public static byte[] encode(List<Entry> entries) {
        ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) b.putLong(e.buf).putLong(e.bufsz).putLong(e.mem).putLong(e.memsz);
        return b.array();
    }
}
