package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.Service;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.bootservices.handle.HandleDatabase;
import efikexec.bootservices.port.FileVolume;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.GuestMemory;
import java.nio.charset.StandardCharsets;

/**
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (UEFI 2.10, 13.4) over a read-only {@link FileVolume}: OpenVolume
 * gives the root directory as an EFI_FILE_PROTOCOL ({@link FileProtocol}). Installed on the device
 * handle the first image's LoadedImage names, it is the ESP beside a UKI: systemd-stub 257 opens
 * it there (HandleProtocol on LoadedImage.DeviceHandle) for addons, credentials and extensions.
 */
public final class SimpleFileSystemProtocol {
    public static final long REVISION = 0x0001_0000L;
    /** Revision, OpenVolume. */
    public static final int SIZE = 16;

    private SimpleFileSystemProtocol() {
    }

    /**
     * Installs the protocol over volume on handle; returns the interface. Call while the firmware
     * is being built: the file functions' thunks are registered here.
     */
    public static long install(Firmware fw, long handle, FileVolume volume) {
        GuestMemory mem = fw.memory();
        long iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, SIZE);
        mem.writeU64(iface, REVISION);
        mem.writeU64(iface + 8, fw.registry().register("SimpleFileSystem.OpenVolume", 2,
                new OpenVolume(mem, new FileProtocol(fw, volume))));
        EfiStatus s = fw.handles().install(handle, KnownGuids.SIMPLE_FILE_SYSTEM, iface);
        if (s != EfiStatus.SUCCESS) throw new IllegalStateException("SimpleFileSystem on handle 0x%x: %s".formatted(handle, s));
        return iface;
    }

    /** OpenVolume; also how LoadImage knows an interface as one of ours and finds its files. */
    private record OpenVolume(GuestMemory mem, FileProtocol files) implements Service {
        @Override
        public long call(CallArgs a) {
            long root = a.arg(1);
            if (root == 0) return EfiStatus.INVALID_PARAMETER.code();
            mem.writeU64(root, files.openRoot());
            return EfiStatus.SUCCESS.code();
        }
    }

    /**
     * For LoadImage without a source buffer (UEFI 2.10, 7.4: "the file is loaded from the device
     * path through EFI_SIMPLE_FILE_SYSTEM_PROTOCOL"): the bytes of the file devicePath names, found
     * as the handle whose device path is its longest prefix, then the FILEPATH nodes that follow,
     * joined into one path as the spec joins consecutive file path nodes. Null, with a trace note
     * saying why, when it names none. A SimpleFileSystem the payload installed itself would run
     * guest code, which no service can call: its files are not found here.
     */
    public static byte[] loadFile(Firmware fw, long devicePath) {
        ServiceRegistry registry = fw.registry();
        DevicePath query = DevicePath.read(fw.memory(), devicePath);
        if (query == null) {
            registry.note("malformed device path");
            return null;
        }
        HandleDatabase.DevicePathMatch match = fw.handles().locateDevicePath(fw.memory(), KnownGuids.SIMPLE_FILE_SYSTEM, query);
        if (match == null) {
            registry.note(query + ": on no device with a SimpleFileSystem");
            return null;
        }
        long iface = fw.handles().find(match.handle(), KnownGuids.SIMPLE_FILE_SYSTEM);
        ServiceRegistry.Entry openVolume = registry.at(fw.memory().readU64(iface + 8));
        if (openVolume == null || !(openVolume.service() instanceof OpenVolume ours)) {
            registry.note(query + ": the payload's own SimpleFileSystem");
            return null;
        }
        String path = filePath(query.toBytes(), match.matchedBytes());
        byte[] file = path == null ? null : ours.files().readFile(path);
        if (file == null) registry.note(query + ": no such file");
        return file;
    }

    /** The FILEPATH nodes from offset on as one '\' path, or null when another node is there or none. */
    private static String filePath(byte[] path, int offset) {
        StringBuilder sb = new StringBuilder();
        int p = offset;
        while (p + 4 <= path.length && (path[p] & 0xff) != DevicePath.TYPE_END) {
            int type = path[p] & 0xff, subtype = path[p + 1] & 0xff;
            int length = (path[p + 2] & 0xff) | (path[p + 3] & 0xff) << 8;
            if (type != DevicePath.TYPE_MEDIA || subtype != DevicePath.SUBTYPE_FILE_PATH || length < 4
                    || p + length > path.length) {
                return null;
            }
            String name = new String(path, p + 4, length - 4, StandardCharsets.UTF_16LE);
            int nul = name.indexOf('\0');
            if (nul >= 0) name = name.substring(0, nul);
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\\' && !name.startsWith("\\")) sb.append('\\');
            sb.append(name);
            p += length;
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
