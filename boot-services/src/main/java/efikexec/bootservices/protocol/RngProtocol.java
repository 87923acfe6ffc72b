package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;

/**
 * EFI_RNG_PROTOCOL (UEFI 2.10, 37.5) serving the seeded entropy source, so KASLR offsets and
 * seeds are the same for the same --seed. Offers the raw algorithm only.
 */
public final class RngProtocol {
    public static final int SIZE = 16;
    private static final long MAX_REQUEST = 1 << 20;

    private RngProtocol() {
    }

    /** Installs the protocol on a new handle; returns the handle. */
    public static long install(Firmware fw) {
        GuestMemory mem = fw.memory();
        ServiceRegistry r = fw.registry();
        long iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, SIZE);
        mem.writeU64(iface, r.register("Rng.GetInfo", 3, a -> {
            long sizePtr = a.arg(1), list = a.arg(2);
            if (sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
            long have = mem.readU64(sizePtr);
            mem.writeU64(sizePtr, Guid.SIZE);
            if (Long.compareUnsigned(have, Guid.SIZE) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
            if (list == 0) return EfiStatus.INVALID_PARAMETER.code();
            mem.write(list, KnownGuids.RNG_ALGORITHM_RAW.toBytes());
            return EfiStatus.SUCCESS.code();
        }));
        mem.writeU64(iface + 8, r.register("Rng.GetRNG", 4, a -> {
            long alg = a.arg(1), len = a.arg(2), out = a.arg(3);
            if (out == 0 || len == 0) return EfiStatus.INVALID_PARAMETER.code();
            if (alg != 0 && !Guid.fromBytes(mem.read(alg, 16), 0).equals(KnownGuids.RNG_ALGORITHM_RAW)) {
                return EfiStatus.UNSUPPORTED.code();
            }
            if (len > MAX_REQUEST) return EfiStatus.INVALID_PARAMETER.code();
            mem.write(out, fw.entropy().next((int) len));
            return EfiStatus.SUCCESS.code();
        }));
        long handle = fw.handles().createHandle();
        fw.handles().install(handle, KnownGuids.RNG, iface);
        return handle;
    }
}
