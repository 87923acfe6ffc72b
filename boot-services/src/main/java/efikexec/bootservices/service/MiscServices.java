package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.memory.GuestMemory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Stall, SetWatchdogTimer, GetNextMonotonicCount, CalculateCrc32, CopyMem, SetMem and
 * InstallConfigurationTable (UEFI 2.10, 7.5 and 4.6).
 */
public final class MiscServices {
    private final Firmware fw;
    private final GuestMemory mem;
    private long monotonic;

    public MiscServices(Firmware fw) {
        this.fw = fw;
        this.mem = fw.memory();
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("Stall", new Binding(1, a -> {
            fw.clock().advance(a.arg(0));
            return EfiStatus.SUCCESS.code();
        }));
        // There is no watchdog here: UNSUPPORTED is the spec's answer for "no watchdog timer".
        b.put("SetWatchdogTimer", new Binding(4, a -> EfiStatus.UNSUPPORTED.code()));
        b.put("GetNextMonotonicCount", new Binding(1, a -> {
            if (a.arg(0) == 0) return EfiStatus.INVALID_PARAMETER.code();
            mem.writeU64(a.arg(0), monotonic++);
            return EfiStatus.SUCCESS.code();
        }));
        b.put("CalculateCrc32", new Binding(3, this::calculateCrc32));
        b.put("CopyMem", new Binding(3, a -> {
            mem.copy(a.arg(0), a.arg(1), a.arg(2));
            return 0;
        }));
        b.put("SetMem", new Binding(3, a -> {
            mem.fill(a.arg(0), a.arg(1), (int) a.arg(2));
            return 0;
        }));
        b.put("InstallConfigurationTable", new Binding(2, this::installConfigurationTable));
        return b;
    }

    private long calculateCrc32(CallArgs a) {
        long data = a.arg(0), size = a.arg(1), out = a.arg(2);
        if (data == 0 || size == 0 || out == 0) return EfiStatus.INVALID_PARAMETER.code();
        CRC32 crc = new CRC32();
        for (long done = 0; done < size; ) {
            int n = (int) Math.min(1 << 20, size - done);
            crc.update(mem.read(data + done, n));
            done += n;
        }
        mem.writeU32(out, crc.getValue());
        return EfiStatus.SUCCESS.code();
    }

    private long installConfigurationTable(CallArgs a) {
        long guidPtr = a.arg(0), table = a.arg(1);
        if (guidPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        Guid g = Guid.fromBytes(mem.read(guidPtr, 16), 0);
        fw.registry().note(KnownGuids.name(g));
        return fw.configTables().install(g, table).code();
    }
}
