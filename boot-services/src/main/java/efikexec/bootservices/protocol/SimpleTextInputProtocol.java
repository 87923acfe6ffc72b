package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;

/**
 * EFI_SIMPLE_TEXT_INPUT_PROTOCOL with no keyboard behind it: no key is ever ready. Stubs
 * check for a key press (to enter a menu, to skip a timeout) and must see none.
 */
public final class SimpleTextInputProtocol {
    public static final int SIZE = 24;

    private SimpleTextInputProtocol() {
    }

    public static long create(Firmware fw) {
        GuestMemory mem = fw.memory();
        ServiceRegistry r = fw.registry();
        long iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, SIZE);
        mem.writeU64(iface, r.register("ConIn.Reset", 2, a -> EfiStatus.SUCCESS.code()));
        mem.writeU64(iface + 8, r.register("ConIn.ReadKeyStroke", 2, a -> EfiStatus.NOT_READY.code()));
        mem.writeU64(iface + 16, 0); // WaitForKey: no event (nothing would ever signal it)
        return iface;
    }
}
