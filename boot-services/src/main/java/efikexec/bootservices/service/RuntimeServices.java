package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.variable.VariableStore;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.memory.GuestMemory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runtime services as they answer before ExitBootServices (after it, the table points at
 * real guest code that returns EFI_UNSUPPORTED: see SystemTable.exitBootServices). Variables
 * live in memory for the run; time is a fixed date plus the virtual clock, so runs repeat.
 */
public final class RuntimeServices {
    private static final int MAX_NAME_CHARS = 1024;
    private static final long EPOCH_SECONDS = 1767225600L; // 2026-01-01T00:00:00Z

    private final Firmware fw;
    private final GuestMemory mem;

    public RuntimeServices(Firmware fw) {
        this.fw = fw;
        this.mem = fw.memory();
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("GetTime", new Binding(2, this::getTime));
        b.put("GetVariable", new Binding(5, this::getVariable));
        b.put("GetNextVariableName", new Binding(3, this::getNextVariableName));
        b.put("SetVariable", new Binding(5, this::setVariable));
        b.put("ResetSystem", new Binding(4, a -> {
            fw.post(new FirmwareEvent.Reset(a.arg(0), a.arg(1)));
            return EfiStatus.SUCCESS.code();
        }));
        return b;
    }

    private long getTime(CallArgs a) {
        long time = a.arg(0), caps = a.arg(1);
        if (time == 0) return EfiStatus.INVALID_PARAMETER.code();
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(
                EPOCH_SECONDS + fw.clock().micros() / 1_000_000, 0, java.time.ZoneOffset.UTC);
        mem.fill(time, 16, 0);
        mem.writeU16(time, t.getYear());
        mem.writeU8(time + 2, t.getMonthValue());
        mem.writeU8(time + 3, t.getDayOfMonth());
        mem.writeU8(time + 4, t.getHour());
        mem.writeU8(time + 5, t.getMinute());
        mem.writeU8(time + 6, t.getSecond());
        mem.writeU16(time + 12, 0x7ff); // EFI_UNSPECIFIED_TIMEZONE
        if (caps != 0) {
            mem.writeU32(caps, 1); // Resolution: 1 Hz
            mem.writeU32(caps + 4, 1_000_000); // Accuracy (ppm × 1e6 = 1)
            mem.writeU8(caps + 8, 0);
        }
        return EfiStatus.SUCCESS.code();
    }

    private String name(long ptr) {
        return mem.readUcs2(ptr, MAX_NAME_CHARS);
    }

    private long getVariable(CallArgs a) {
        long namePtr = a.arg(0), guidPtr = a.arg(1), attrPtr = a.arg(2), sizePtr = a.arg(3), data = a.arg(4);
        if (namePtr == 0 || guidPtr == 0 || sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        String name = name(namePtr);
        Guid vendor = Guid.fromBytes(mem.read(guidPtr, 16), 0);
        fw.registry().note(name);
        VariableStore.Variable v = fw.variables().get(vendor, name);
        if (v == null) return EfiStatus.NOT_FOUND.code();
        long have = mem.readU64(sizePtr);
        mem.writeU64(sizePtr, v.data().length);
        if (Long.compareUnsigned(have, v.data().length) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        if (data == 0) return EfiStatus.INVALID_PARAMETER.code();
        mem.write(data, v.data());
        if (attrPtr != 0) mem.writeU32(attrPtr, v.attributes());
        return EfiStatus.SUCCESS.code();
    }

    private long getNextVariableName(CallArgs a) {
        long sizePtr = a.arg(0), namePtr = a.arg(1), guidPtr = a.arg(2);
        if (sizePtr == 0 || namePtr == 0 || guidPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        String name = name(namePtr);
        VariableStore.Key after = null;
        if (!name.isEmpty()) {
            after = new VariableStore.Key(Guid.fromBytes(mem.read(guidPtr, 16), 0), name);
            if (!fw.variables().contains(after)) return EfiStatus.INVALID_PARAMETER.code();
        }
        VariableStore.Key next = fw.variables().next(after);
        if (next == null) return EfiStatus.NOT_FOUND.code();
        long need = 2L * (next.name().length() + 1);
        long have = mem.readU64(sizePtr);
        mem.writeU64(sizePtr, need);
        if (Long.compareUnsigned(have, need) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        mem.writeUcs2(namePtr, next.name());
        mem.write(guidPtr, next.vendor().toBytes());
        return EfiStatus.SUCCESS.code();
    }

    private long setVariable(CallArgs a) {
        long namePtr = a.arg(0), guidPtr = a.arg(1), attrs = a.arg(2), size = a.arg(3), data = a.arg(4);
        if (namePtr == 0 || guidPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        String name = name(namePtr);
        if (name.isEmpty()) return EfiStatus.INVALID_PARAMETER.code();
        Guid vendor = Guid.fromBytes(mem.read(guidPtr, 16), 0);
        fw.registry().note(name);
        if (size == 0 || (attrs & (VariableStore.BOOTSERVICE_ACCESS | VariableStore.RUNTIME_ACCESS)) == 0) {
            return fw.variables().remove(vendor, name) ? EfiStatus.SUCCESS.code() : EfiStatus.NOT_FOUND.code();
        }
        if (data == 0 || size > 64 * 1024) return EfiStatus.INVALID_PARAMETER.code();
        if ((attrs & VariableStore.RUNTIME_ACCESS) != 0 && (attrs & VariableStore.BOOTSERVICE_ACCESS) == 0) {
            return EfiStatus.INVALID_PARAMETER.code();
        }
        fw.variables().put(vendor, name, attrs, mem.read(data, (int) size));
        return EfiStatus.SUCCESS.code();
    }

}
