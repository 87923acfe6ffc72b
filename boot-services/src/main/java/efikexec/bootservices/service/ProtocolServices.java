package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.handle.HandleDatabase;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protocol handler services (UEFI 2.10, 7.3): install, uninstall, look up and open
 * protocols on handles, over the {@link HandleDatabase}.
 */
public final class ProtocolServices {
    private static final int ALL_HANDLES = 0;
    private static final int BY_REGISTER_NOTIFY = 1;
    private static final int BY_PROTOCOL = 2;
    private static final long OPEN_BY_HANDLE_PROTOCOL = 0x01;
    private static final long OPEN_TEST_PROTOCOL = 0x04;
    /** HandleProtocol opens with no agent handle. */
    private static final long NO_AGENT = 0;
    private static final int MAX_VARIADIC_PAIRS = 64;

    private record OpenRecord(long handle, Guid protocol, long agent, long controller, long attributes) {
    }

    private final Firmware fw;
    private final GuestMemory mem;
    private final HandleDatabase db;
    private final List<OpenRecord> opens = new ArrayList<>();

    public ProtocolServices(Firmware fw) {
        this.fw = fw;
        this.mem = fw.memory();
        this.db = fw.handles();
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("InstallProtocolInterface", new Binding(4, this::installProtocolInterface));
        b.put("ReinstallProtocolInterface", new Binding(4, this::reinstallProtocolInterface));
        b.put("UninstallProtocolInterface", new Binding(3, this::uninstallProtocolInterface));
        b.put("HandleProtocol", new Binding(3, a -> openProtocol(a.arg(0), a.arg(1), a.arg(2), NO_AGENT, 0, OPEN_BY_HANDLE_PROTOCOL)));
        b.put("LocateHandle", new Binding(5, this::locateHandle));
        b.put("LocateDevicePath", new Binding(3, this::locateDevicePath));
        b.put("OpenProtocol", new Binding(6, a -> openProtocol(a.arg(0), a.arg(1), a.arg(2), a.arg(3), a.arg(4), a.arg(5))));
        b.put("CloseProtocol", new Binding(4, this::closeProtocol));
        b.put("ProtocolsPerHandle", new Binding(3, this::protocolsPerHandle));
        b.put("LocateHandleBuffer", new Binding(5, this::locateHandleBuffer));
        b.put("LocateProtocol", new Binding(3, this::locateProtocol));
        b.put("InstallMultipleProtocolInterfaces", new Binding(5, this::installMultiple));
        b.put("UninstallMultipleProtocolInterfaces", new Binding(5, this::uninstallMultiple));
        return b;
    }


    private Guid guid(long ptr) {
        return Guid.fromBytes(mem.read(ptr, 16), 0);
    }

    private void noteGuid(long ptr) {
        if (ptr != 0) fw.registry().note(KnownGuids.name(guid(ptr)));
    }

    private long installProtocolInterface(CallArgs a) {
        long handlePtr = a.arg(0), guidPtr = a.arg(1), type = a.arg(2), iface = a.arg(3);
        if (handlePtr == 0 || guidPtr == 0 || type != 0) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        long handle = mem.readU64(handlePtr);
        boolean created = false;
        if (handle == 0) {
            handle = db.createHandle();
            created = true;
        } else if (!db.isHandle(handle)) {
            return EfiStatus.INVALID_PARAMETER.code();
        }
        EfiStatus s = db.install(handle, guid(guidPtr), iface);
        if (s == EfiStatus.SUCCESS && created) mem.writeU64(handlePtr, handle);
        return s.code();
    }

    private long reinstallProtocolInterface(CallArgs a) {
        long handle = a.arg(0), guidPtr = a.arg(1), oldIface = a.arg(2), newIface = a.arg(3);
        if (guidPtr == 0 || !db.isHandle(handle)) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        return db.reinstall(handle, guid(guidPtr), oldIface, newIface).code();
    }

    private long uninstallProtocolInterface(CallArgs a) {
        long handle = a.arg(0), guidPtr = a.arg(1), iface = a.arg(2);
        if (guidPtr == 0 || !db.isHandle(handle)) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        Guid g = guid(guidPtr);
        opens.removeIf(o -> o.handle == handle && o.protocol.equals(g));
        return db.uninstall(handle, g, iface).code();
    }

    /** OpenProtocol, and HandleProtocol as OpenProtocol BY_HANDLE_PROTOCOL (as the spec defines it). */
    private long openProtocol(long handle, long guidPtr, long ifacePtr, long agent, long controller, long attributes) {
        if (guidPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        if (ifacePtr == 0 && attributes != OPEN_TEST_PROTOCOL) return EfiStatus.INVALID_PARAMETER.code();
        if (!db.isHandle(handle)) return EfiStatus.INVALID_PARAMETER.code();
        Guid g = guid(guidPtr);
        Long iface = db.find(handle, g);
        if (iface == null) {
            if (ifacePtr != 0 && attributes != OPEN_TEST_PROTOCOL) mem.writeU64(ifacePtr, 0);
            return EfiStatus.UNSUPPORTED.code();
        }
        if (attributes != OPEN_TEST_PROTOCOL) {
            mem.writeU64(ifacePtr, iface);
            // HandleProtocol has no agent: nothing could ever close such a record.
            if (agent != 0) opens.add(new OpenRecord(handle, g, agent, controller, attributes));
        }
        return EfiStatus.SUCCESS.code();
    }

    private long closeProtocol(CallArgs a) {
        long handle = a.arg(0), guidPtr = a.arg(1), agent = a.arg(2), controller = a.arg(3);
        if (guidPtr == 0 || !db.isHandle(handle) || agent == 0) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        Guid g = guid(guidPtr);
        if (db.find(handle, g) == null) return EfiStatus.NOT_FOUND.code();
        boolean removed = opens.removeIf(o -> o.handle == handle && o.protocol.equals(g) && o.agent == agent
                && o.controller == controller);
        return removed ? EfiStatus.SUCCESS.code() : EfiStatus.NOT_FOUND.code();
    }

    private List<Long> search(long type, long guidPtr) {
        if (type == ALL_HANDLES) return db.allHandles();
        if (type == BY_PROTOCOL && guidPtr != 0) return db.handlesWith(guid(guidPtr));
        return null;
    }

    private long locateHandle(CallArgs a) {
        long type = a.arg(0), guidPtr = a.arg(1), sizePtr = a.arg(3), buffer = a.arg(4);
        if (sizePtr == 0 || type == BY_REGISTER_NOTIFY) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        List<Long> hs = search(type, guidPtr);
        if (hs == null) return EfiStatus.INVALID_PARAMETER.code();
        if (hs.isEmpty()) return EfiStatus.NOT_FOUND.code();
        long need = 8L * hs.size();
        long have = mem.readU64(sizePtr);
        mem.writeU64(sizePtr, need);
        if (Long.compareUnsigned(have, need) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        if (buffer == 0) return EfiStatus.INVALID_PARAMETER.code();
        for (int i = 0; i < hs.size(); i++) mem.writeU64(buffer + 8L * i, hs.get(i));
        return EfiStatus.SUCCESS.code();
    }

    private long locateHandleBuffer(CallArgs a) {
        long type = a.arg(0), guidPtr = a.arg(1), countPtr = a.arg(3), bufferPtr = a.arg(4);
        if (countPtr == 0 || bufferPtr == 0 || type == BY_REGISTER_NOTIFY) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        List<Long> hs = search(type, guidPtr);
        if (hs == null) return EfiStatus.INVALID_PARAMETER.code();
        mem.writeU64(countPtr, hs.size());
        if (hs.isEmpty()) {
            mem.writeU64(bufferPtr, 0);
            return EfiStatus.NOT_FOUND.code();
        }
        AllocationResult r = fw.pool().allocatePool(MemoryType.BOOT_SERVICES_DATA, 8L * hs.size());
        if (!r.isSuccess()) return r.status().code();
        for (int i = 0; i < hs.size(); i++) mem.writeU64(r.address() + 8L * i, hs.get(i));
        mem.writeU64(bufferPtr, r.address());
        return EfiStatus.SUCCESS.code();
    }

    private long protocolsPerHandle(CallArgs a) {
        long handle = a.arg(0), bufferPtr = a.arg(1), countPtr = a.arg(2);
        if (!db.isHandle(handle) || bufferPtr == 0 || countPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        List<Guid> ps = db.protocolsOf(handle);
        // The array holds pointers to GUIDs: place the GUIDs right after it in the same pool.
        AllocationResult r = fw.pool().allocatePool(MemoryType.BOOT_SERVICES_DATA, 24L * ps.size());
        if (!r.isSuccess()) return r.status().code();
        long guids = r.address() + 8L * ps.size();
        for (int i = 0; i < ps.size(); i++) {
            mem.write(guids + 16L * i, ps.get(i).toBytes());
            mem.writeU64(r.address() + 8L * i, guids + 16L * i);
        }
        mem.writeU64(bufferPtr, r.address());
        mem.writeU64(countPtr, ps.size());
        return EfiStatus.SUCCESS.code();
    }

    private long locateProtocol(CallArgs a) {
        long guidPtr = a.arg(0), ifacePtr = a.arg(2);
        if (guidPtr == 0 || ifacePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        Long iface = db.firstInterface(guid(guidPtr));
        if (iface == null) {
            mem.writeU64(ifacePtr, 0);
            return EfiStatus.NOT_FOUND.code();
        }
        mem.writeU64(ifacePtr, iface);
        return EfiStatus.SUCCESS.code();
    }

    private long locateDevicePath(CallArgs a) {
        long guidPtr = a.arg(0), dpPtrPtr = a.arg(1), devicePtr = a.arg(2);
        if (guidPtr == 0 || dpPtrPtr == 0 || devicePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        noteGuid(guidPtr);
        long dp = mem.readU64(dpPtrPtr);
        if (dp == 0) return EfiStatus.INVALID_PARAMETER.code();
        DevicePath query = DevicePath.read(mem, dp);
        if (query == null) return EfiStatus.INVALID_PARAMETER.code();
        HandleDatabase.DevicePathMatch m = db.locateDevicePath(mem, guid(guidPtr), query);
        if (m == null) return EfiStatus.NOT_FOUND.code();
        mem.writeU64(devicePtr, m.handle());
        mem.writeU64(dpPtrPtr, dp + m.matchedBytes());
        return EfiStatus.SUCCESS.code();
    }

    /** Reads the (GUID*, interface) pairs of a variadic call, up to the NULL GUID. */
    private List<long[]> pairs(CallArgs a) {
        List<long[]> out = new ArrayList<>();
        for (int i = 1; i < 1 + 2 * MAX_VARIADIC_PAIRS; i += 2) {
            long g = a.arg(i);
            if (g == 0) return out;
            out.add(new long[] {g, a.arg(i + 1)});
        }
        return null;
    }

    private long installMultiple(CallArgs a) {
        long handlePtr = a.arg(0);
        if (handlePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        List<long[]> ps = pairs(a);
        if (ps == null) return EfiStatus.INVALID_PARAMETER.code();
        long handle = mem.readU64(handlePtr);
        if (handle != 0 && !db.isHandle(handle)) return EfiStatus.INVALID_PARAMETER.code();
        // Nothing to install: no handle either (a handle without protocols would linger in LocateHandle).
        if (ps.isEmpty()) return EfiStatus.SUCCESS.code();
        // A device path already installed elsewhere makes the call fail (UEFI 2.10, 7.3):
        // this is how "Already started" arises for a second LoadFile2 initrd handle.
        for (long[] p : ps) {
            if (guid(p[0]).equals(KnownGuids.DEVICE_PATH)) {
                DevicePath dp = DevicePath.read(mem, p[1]);
                if (dp != null) {
                    HandleDatabase.DevicePathMatch m = db.locateDevicePath(mem, KnownGuids.DEVICE_PATH, dp);
                    if (m != null && m.matchedBytes() == dp.nodesLength()) return EfiStatus.ALREADY_STARTED.code();
                }
            }
        }
        boolean created = handle == 0;
        if (created) handle = db.createHandle();
        List<long[]> done = new ArrayList<>();
        StringBuilder names = new StringBuilder();
        for (long[] p : ps) {
            Guid g = guid(p[0]);
            names.append(names.length() > 0 ? "," : "").append(KnownGuids.name(g));
            EfiStatus s = db.install(handle, g, p[1]);
            if (s != EfiStatus.SUCCESS) {
                for (long[] d : done) db.uninstall(handle, guid(d[0]), d[1]);
                return s.code();
            }
            done.add(p);
        }
        fw.registry().note(names.toString());
        if (created) mem.writeU64(handlePtr, handle);
        return EfiStatus.SUCCESS.code();
    }

    private long uninstallMultiple(CallArgs a) {
        long handle = a.arg(0);
        if (!db.isHandle(handle)) return EfiStatus.INVALID_PARAMETER.code();
        List<long[]> ps = pairs(a);
        if (ps == null) return EfiStatus.INVALID_PARAMETER.code();
        for (long[] p : ps) {
            Long cur = db.find(handle, guid(p[0]));
            if (cur == null || cur != p[1]) return EfiStatus.INVALID_PARAMETER.code();
        }
        for (long[] p : ps) {
            Guid g = guid(p[0]);
            opens.removeIf(o -> o.handle == handle && o.protocol.equals(g));
            db.uninstall(handle, g, p[1]);
        }
        return EfiStatus.SUCCESS.code();
    }
}
