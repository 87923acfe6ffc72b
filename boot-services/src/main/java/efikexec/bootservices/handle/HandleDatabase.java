package efikexec.bootservices.handle;

import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The protocol database: handles, each with its protocols in install order. Sorted by handle
 * value (handles are handed out in increasing order), so every lookup walks handles in the
 * same order run after run, as efiloader's sorted map does. A handle the guest forges is not
 * in the map and is refused, as U-Boot's efi_search_obj does.
 */
public final class HandleDatabase {

    private final TreeMap<Long, LinkedHashMap<Guid, Long>> handles = new TreeMap<>(Long::compareUnsigned);
    private final LongSupplier newHandle;

    /** @param newHandle gives a fresh, unique, non-zero handle value (a guest address) */
    public HandleDatabase(LongSupplier newHandle) {
        this.newHandle = newHandle;
    }

    public long createHandle() {
        long h = newHandle.getAsLong();
        handles.put(h, new LinkedHashMap<>());
        return h;
    }

    public boolean isHandle(long handle) {
        return handles.containsKey(handle);
    }

    /** InstallProtocolInterface on an existing handle. */
    public EfiStatus install(long handle, Guid protocol, long iface) {
        Map<Guid, Long> p = handles.get(handle);
        if (p == null) return EfiStatus.INVALID_PARAMETER;
        if (p.containsKey(protocol)) return EfiStatus.INVALID_PARAMETER;
        p.put(protocol, iface);
        return EfiStatus.SUCCESS;
    }

    /** UninstallProtocolInterface: the interface must match; the handle goes with its last protocol. */
    public EfiStatus uninstall(long handle, Guid protocol, long iface) {
        Map<Guid, Long> p = handles.get(handle);
        if (p == null) return EfiStatus.INVALID_PARAMETER;
        Long current = p.get(protocol);
        if (current == null || current != iface) return EfiStatus.NOT_FOUND;
        p.remove(protocol);
        if (p.isEmpty()) handles.remove(handle);
        return EfiStatus.SUCCESS;
    }

    /**
     * ReinstallProtocolInterface: the interface is swapped in place, so a handle whose only
     * protocol this is does not go away in between (as it would through uninstall + install).
     */
    public EfiStatus reinstall(long handle, Guid protocol, long oldIface, long newIface) {
        Map<Guid, Long> p = handles.get(handle);
        if (p == null) return EfiStatus.INVALID_PARAMETER;
        Long current = p.get(protocol);
        if (current == null || current != oldIface) return EfiStatus.NOT_FOUND;
        p.put(protocol, newIface);
        return EfiStatus.SUCCESS;
    }

    /** The interface of protocol on handle, or null. */
    public Long find(long handle, Guid protocol) {
        Map<Guid, Long> p = handles.get(handle);
        return p == null ? null : p.get(protocol);
    }

    public List<Long> handlesWith(Guid protocol) {
        List<Long> out = new ArrayList<>();
        handles.forEach((h, p) -> {
            if (p.containsKey(protocol)) out.add(h);
        });
        return out;
    }

    public List<Long> allHandles() {
        return new ArrayList<>(handles.keySet());
    }

    public List<Guid> protocolsOf(long handle) {
        Map<Guid, Long> p = handles.get(handle);
        return p == null ? List.of() : List.copyOf(p.keySet());
    }

    /** The first interface of protocol on any handle, or null (LocateProtocol). */
    public Long firstInterface(Guid protocol) {
        for (Map<Guid, Long> p : handles.values()) {
            Long i = p.get(protocol);
            if (i != null) return i;
        }
        return null;
    }

    /** The result of LocateDevicePath: the handle and how many bytes of the query it matched. */
    public record DevicePathMatch(long handle, int matchedBytes) {
    }

    /**
     * LocateDevicePath: among handles that carry both protocol and a device path, the one whose
     * path is the longest node-wise prefix of the query. Null when none matches.
     */
    public DevicePathMatch locateDevicePath(GuestMemory mem, Guid protocol, DevicePath query) {
        DevicePathMatch best = null;
        for (Map.Entry<Long, LinkedHashMap<Guid, Long>> h : handles.entrySet()) {
            Long dpAddr = h.getValue().get(KnownGuids.DEVICE_PATH);
            if (dpAddr == null || !h.getValue().containsKey(protocol)) continue;
            DevicePath dp = DevicePath.read(mem, dpAddr);
            if (dp == null || !dp.isPrefixOf(query)) continue;
            if (best == null || dp.nodesLength() > best.matchedBytes) {
                best = new DevicePathMatch(h.getKey(), dp.nodesLength());
            }
        }
        return best;
    }

    public Map<Long, List<Guid>> view() {
        Map<Long, List<Guid>> v = new LinkedHashMap<>();
        handles.forEach((h, p) -> v.put(h, List.copyOf(p.keySet())));
        return Collections.unmodifiableMap(v);
    }
}
