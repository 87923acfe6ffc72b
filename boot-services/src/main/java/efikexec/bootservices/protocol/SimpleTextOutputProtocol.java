package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;

/**
 * EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL (UEFI 2.10, 12.4) onto the console log: one 80×25 text
 * mode, attributes and cursor accepted and ignored. CR LF becomes LF in the log.
 */
public final class SimpleTextOutputProtocol {
    private static final int FUNCTIONS = 9;
    public static final int SIZE = 8 * FUNCTIONS + 8;
    private static final int MODE_SIZE = 24;
    private static final int MAX_CHARS = 1 << 16;

    private SimpleTextOutputProtocol() {
    }

    /** Builds one interface whose OutputString goes to the firmware console; returns its address. */
    public static long create(Firmware fw, String prefix) {
        GuestMemory mem = fw.memory();
        ServiceRegistry r = fw.registry();
        long iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, SIZE);
        long mode = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, MODE_SIZE);
        mem.fill(mode, MODE_SIZE, 0);
        mem.writeU32(mode, 1); // MaxMode
        mem.writeU32(mode + 8, 0x07); // Attribute: light grey on black
        mem.writeU8(mode + 20, 1); // CursorVisible
        long ok = EfiStatus.SUCCESS.code();
        long[] fns = {
            r.register(prefix + ".Reset", 2, a -> ok),
            r.register(prefix + ".OutputString", 2, a -> {
                String s = mem.readUcs2(a.arg(1), MAX_CHARS);
                fw.registry().note(s.strip());
                fw.console().write(s.replace("\r\n", "\n").replace("\r", ""));
                return ok;
            }),
            r.register(prefix + ".TestString", 2, a -> ok),
            r.register(prefix + ".QueryMode", 4, a -> {
                if (a.arg(1) != 0) return EfiStatus.UNSUPPORTED.code();
                if (a.arg(2) != 0) mem.writeU64(a.arg(2), 80);
                if (a.arg(3) != 0) mem.writeU64(a.arg(3), 25);
                return ok;
            }),
            r.register(prefix + ".SetMode", 2, a -> a.arg(1) == 0 ? ok : EfiStatus.UNSUPPORTED.code()),
            r.register(prefix + ".SetAttribute", 2, a -> {
                mem.writeU32(mode + 8, a.arg(1));
                return ok;
            }),
            r.register(prefix + ".ClearScreen", 1, a -> ok),
            r.register(prefix + ".SetCursorPosition", 3, a -> {
                mem.writeU32(mode + 12, a.arg(1));
                mem.writeU32(mode + 16, a.arg(2));
                return ok;
            }),
            r.register(prefix + ".EnableCursor", 2, a -> {
                mem.writeU8(mode + 20, a.arg(1) != 0 ? 1 : 0);
                return ok;
            }),
        };
        for (int i = 0; i < fns.length; i++) mem.writeU64(iface + 8L * i, fns[i]);
        mem.writeU64(iface + 8L * FUNCTIONS, mode);
        return iface;
    }
}
