package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.bootservices.port.FileVolume;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * EFI_FILE_PROTOCOL revision 1 (UEFI 2.10, 13.5) over a read-only {@link FileVolume}: how
 * systemd-stub reads addons, credentials and extensions beside a UKI. Every open file is an
 * interface of its own in guest memory (the guest's EFI_FILE_HANDLE) and all of them share one
 * set of thunks: the interface address a call passes as This says which file it is about.
 *
 * <p>Where the specification leaves a choice, the answers are those of a FAT volume (edk2's
 * FatPkg): names match whatever their case, '\' separates them, "." and ".." walk the tree but
 * never above the root (NOT_FOUND), a name with a character FAT forbids is INVALID_PARAMETER. The
 * medium is write-protected, and FatPkg checks that before anything else: Open for writing,
 * Write and SetInfo answer WRITE_PROTECTED, Delete closes the handle with WARN_DELETE_FAILURE.
 * Flush succeeds: nothing is ever pending, and a reader that flushes before Close should not
 * see an error. A directory read gives one EFI_FILE_INFO a call in the volume's order, without
 * FAT's "." and ".." (they name nothing new and readers skip them), and a size of 0 at the end.
 *
 * <p>Same volume, same answers: every file shows one fixed time (2026-01-01 00:00:00), never the host's
 * mtime, and handles are interfaces recycled from the firmware's own pool, so opening and closing
 * files never changes the memory map (a stub may hold a MapKey across its reads).
 */
public final class FileProtocol {
    public static final long REVISION = 0x0001_0000L;
    private static final String[] FUNCTIONS = {
        "Open", "Close", "Delete", "Read", "Write", "GetPosition", "SetPosition", "GetInfo", "SetInfo", "Flush",
    };
    /** Revision, then one pointer per function (revision 2's *Ex functions are not offered). */
    public static final int SIZE = 8 + 8 * FUNCTIONS.length;

    public static final long MODE_READ = 0x1, MODE_WRITE = 0x2, MODE_CREATE = 0x8000_0000_0000_0000L;
    public static final long ATTRIBUTE_READ_ONLY = 0x01, ATTRIBUTE_DIRECTORY = 0x10;
    /** SIZE_OF_EFI_FILE_INFO: the fields before FileName. */
    public static final int FILE_INFO_SIZE = 80;
    /** SIZE_OF_EFI_FILE_SYSTEM_INFO: the fields before VolumeLabel. */
    public static final int FILE_SYSTEM_INFO_SIZE = 36;
    /** The cluster size PhysicalSize and VolumeSize are counted in, as a FAT32 ESP commonly has. */
    public static final long BLOCK_SIZE = 4096;
    public static final String VOLUME_LABEL = "ESP";
    /**
     * Every file's create, access and modification time (year, month, day, hour, minute, second):
     * 2026-01-01 00:00:00, the day GetTime starts from.
     */
    private static final int[] FILE_TIME = {2026, 1, 1, 0, 0, 0};
    private static final int EFI_UNSPECIFIED_TIMEZONE = 0x07ff;
    private static final int MAX_NAME_CHARS = 4096;
    /** FAT's long names: at most 255 characters, none of these nor a control character. */
    private static final String FORBIDDEN = "\"*/:<>?|";
    private static final int MAX_COMPONENT = 255;
    /** How deep VolumeSize counts: a symbolic link inside the volume may loop. */
    private static final int MAX_DEPTH = 8;

    /** One open EFI_FILE_HANDLE. */
    private static final class OpenFile {
        final String path; // on the volume, "" for the root
        final boolean directory;
        long position; // a byte offset in a file; the next entry of a directory
        List<String> entries; // a directory's names, taken when it is read from the start
        byte[] bytes; // a file's contents, read at its first Read

        OpenFile(String path, boolean directory) {
            this.path = path;
            this.directory = directory;
        }
    }

    /** Where a name leads from an open file: a path on the volume, or the status that says why not. */
    private record Lookup(EfiStatus status, String path) {
    }

    private final Firmware fw;
    private final GuestMemory mem;
    private final FileVolume volume;
    private final long[] functions;
    private final Map<Long, OpenFile> open = new HashMap<>();
    private final Deque<Long> closed = new ArrayDeque<>();

    /** Registers the functions' thunks; call while the firmware is being built. */
    FileProtocol(Firmware fw, FileVolume volume) {
        this.fw = fw;
        this.mem = fw.memory();
        this.volume = volume;
        ServiceRegistry r = fw.registry();
        functions = new long[] {
            r.register("File.Open", 5, this::open),
            r.register("File.Close", 1, this::close),
            r.register("File.Delete", 1, this::delete),
            r.register("File.Read", 3, this::read),
            r.register("File.Write", 3, this::write),
            r.register("File.GetPosition", 2, this::getPosition),
            r.register("File.SetPosition", 2, this::setPosition),
            r.register("File.GetInfo", 4, this::getInfo),
            r.register("File.SetInfo", 4, this::setInfo),
            r.register("File.Flush", 1, this::flush),
        };
    }

    /** A new handle on the root directory: what OpenVolume gives. */
    long openRoot() {
        return handle(new OpenFile("", true));
    }

    /** The bytes of the file an absolute '\' path names, or null when it names no readable file. */
    byte[] readFile(String path) {
        Lookup l = lookup("", path);
        if (l.status != EfiStatus.SUCCESS || !volume.isFile(l.path)) return null;
        return volume.read(l.path);
    }

    private long handle(OpenFile f) {
        Long iface = closed.poll();
        if (iface == null) iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, SIZE);
        mem.writeU64(iface, REVISION);
        for (int i = 0; i < functions.length; i++) mem.writeU64(iface + 8 + 8L * i, functions[i]);
        open.put(iface, f);
        return iface;
    }

    private long open(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        long newHandle = a.arg(1), namePtr = a.arg(2), mode = a.arg(3);
        if (f == null || newHandle == 0 || namePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        if (mode != MODE_READ && mode != (MODE_READ | MODE_WRITE) && mode != (MODE_READ | MODE_WRITE | MODE_CREATE)) {
            return EfiStatus.INVALID_PARAMETER.code();
        }
        String name = mem.readUcs2(namePtr, MAX_NAME_CHARS);
        if ((mode & MODE_WRITE) != 0) {
            fw.registry().note(name + ": the volume is read-only");
            return EfiStatus.WRITE_PROTECTED.code();
        }
        Lookup l = lookup(f.path, name);
        if (l.status != EfiStatus.SUCCESS) {
            fw.registry().note(name + ": " + l.status);
            return l.status.code();
        }
        fw.registry().note(name);
        mem.writeU64(newHandle, handle(new OpenFile(l.path, volume.isDirectory(l.path))));
        return EfiStatus.SUCCESS.code();
    }

    /** Resolves name from the file at base (or from the root when it starts with '\'). */
    private Lookup lookup(String base, String name) {
        List<String> parts = new ArrayList<>();
        if (!name.startsWith("\\") && !base.isEmpty()) parts.addAll(List.of(base.split("/")));
        for (String c : name.split("\\\\")) {
            if (c.isEmpty()) continue;
            String here = String.join("/", parts);
            if (!volume.isDirectory(here)) return new Lookup(EfiStatus.NOT_FOUND, null);
            if (c.equals(".")) continue;
            if (c.equals("..")) {
                if (parts.isEmpty()) return new Lookup(EfiStatus.NOT_FOUND, null);
                parts.remove(parts.size() - 1);
                continue;
            }
            if (!isFatName(c)) return new Lookup(EfiStatus.INVALID_PARAMETER, null);
            String entry = entry(here, c);
            if (entry == null) return new Lookup(EfiStatus.NOT_FOUND, null);
            parts.add(entry);
        }
        String path = String.join("/", parts);
        boolean exists = volume.isDirectory(path) || volume.isFile(path);
        return new Lookup(exists ? EfiStatus.SUCCESS : EfiStatus.NOT_FOUND, exists ? path : null);
    }

    private static boolean isFatName(String c) {
        if (c.length() > MAX_COMPONENT) return false;
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (ch < 0x20 || FORBIDDEN.indexOf(ch) >= 0) return false;
        }
        return true;
    }

    /**
     * The entry of dir a name means: the one spelt the same, else the first (in the volume's
     * order) that differs only in case. A host directory may hold both "a" and "A", which FAT
     * cannot: the exact spelling wins, so each stays reachable.
     */
    private String entry(String dir, String name) {
        String folded = null;
        for (String e : volume.list(dir)) {
            if (e.equals(name)) return e;
            if (folded == null && e.equalsIgnoreCase(name)) folded = e;
        }
        return folded;
    }

    private static String child(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    private long close(CallArgs a) {
        long iface = a.arg(0);
        if (open.remove(iface) == null) return EfiStatus.INVALID_PARAMETER.code();
        closed.push(iface);
        return EfiStatus.SUCCESS.code();
    }

    private long delete(CallArgs a) {
        if (close(a) != EfiStatus.SUCCESS.code()) return EfiStatus.INVALID_PARAMETER.code();
        return EfiStatus.WARN_DELETE_FAILURE.code();
    }

    private long read(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        long sizePtr = a.arg(1), buffer = a.arg(2);
        if (f == null || sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        long have = mem.readU64(sizePtr);
        return f.directory ? readEntry(f, sizePtr, have, buffer) : readBytes(f, sizePtr, have, buffer);
    }

    private long readBytes(OpenFile f, long sizePtr, long have, long buffer) {
        if (f.bytes == null) f.bytes = volume.read(f.path);
        if (f.bytes == null) {
            fw.registry().note(f.path + ": unreadable");
            return EfiStatus.DEVICE_ERROR.code();
        }
        // The spec's answer for a position set beyond the end; at the end itself a read gives 0 bytes.
        if (Long.compareUnsigned(f.position, f.bytes.length) > 0) return EfiStatus.DEVICE_ERROR.code();
        long left = f.bytes.length - f.position;
        long n = Long.compareUnsigned(have, left) < 0 ? have : left;
        if (n > 0 && buffer == 0) return EfiStatus.INVALID_PARAMETER.code();
        if (n > 0) mem.write(buffer, f.bytes, (int) f.position, (int) n);
        f.position += n;
        mem.writeU64(sizePtr, n);
        return EfiStatus.SUCCESS.code();
    }

    private long readEntry(OpenFile f, long sizePtr, long have, long buffer) {
        if (f.entries == null) {
            f.entries = new ArrayList<>();
            for (String e : volume.list(f.path)) {
                String p = child(f.path, e);
                if (volume.isDirectory(p) || volume.isFile(p)) f.entries.add(e);
            }
        }
        if (f.position >= f.entries.size()) {
            mem.writeU64(sizePtr, 0);
            return EfiStatus.SUCCESS.code();
        }
        String name = f.entries.get((int) f.position);
        byte[] info = fileInfo(child(f.path, name), name);
        mem.writeU64(sizePtr, info.length);
        if (Long.compareUnsigned(have, info.length) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        if (buffer == 0) return EfiStatus.INVALID_PARAMETER.code();
        mem.write(buffer, info);
        f.position++;
        fw.registry().note(name);
        return EfiStatus.SUCCESS.code();
    }

    private long write(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        if (f == null || a.arg(1) == 0) return EfiStatus.INVALID_PARAMETER.code();
        return f.directory ? EfiStatus.UNSUPPORTED.code() : EfiStatus.WRITE_PROTECTED.code();
    }

    private long getPosition(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        long positionPtr = a.arg(1);
        if (f == null || positionPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        if (f.directory) return EfiStatus.UNSUPPORTED.code();
        mem.writeU64(positionPtr, f.position);
        return EfiStatus.SUCCESS.code();
    }

    private long setPosition(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        long position = a.arg(1);
        if (f == null) return EfiStatus.INVALID_PARAMETER.code();
        if (f.directory) {
            // Only a restart: the listing is taken again at the next Read.
            if (position != 0) return EfiStatus.UNSUPPORTED.code();
            f.entries = null;
            f.position = 0;
            return EfiStatus.SUCCESS.code();
        }
        f.position = position == -1L ? fileSize(f) : position;
        return EfiStatus.SUCCESS.code();
    }

    private long fileSize(OpenFile f) {
        return f.bytes != null ? f.bytes.length : Math.max(0, volume.size(f.path));
    }

    private long getInfo(CallArgs a) {
        OpenFile f = open.get(a.arg(0));
        long typePtr = a.arg(1), sizePtr = a.arg(2), buffer = a.arg(3);
        if (f == null || typePtr == 0 || sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        Guid type = Guid.fromBytes(mem.read(typePtr, Guid.SIZE), 0);
        fw.registry().note(KnownGuids.name(type));
        byte[] info;
        if (type.equals(KnownGuids.FILE_INFO)) {
            info = fileInfo(f.path, f.path.substring(f.path.lastIndexOf('/') + 1));
        } else if (type.equals(KnownGuids.FILE_SYSTEM_INFO)) {
            info = fileSystemInfo();
        } else if (type.equals(KnownGuids.FILE_SYSTEM_VOLUME_LABEL)) {
            info = ucs2(VOLUME_LABEL);
        } else {
            return EfiStatus.UNSUPPORTED.code();
        }
        long have = mem.readU64(sizePtr);
        mem.writeU64(sizePtr, info.length);
        if (Long.compareUnsigned(have, info.length) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        if (buffer == 0) return EfiStatus.INVALID_PARAMETER.code();
        mem.write(buffer, info);
        return EfiStatus.SUCCESS.code();
    }

    private long setInfo(CallArgs a) {
        return open.containsKey(a.arg(0)) ? EfiStatus.WRITE_PROTECTED.code() : EfiStatus.INVALID_PARAMETER.code();
    }

    private long flush(CallArgs a) {
        return open.containsKey(a.arg(0)) ? EfiStatus.SUCCESS.code() : EfiStatus.INVALID_PARAMETER.code();
    }

    /** EFI_FILE_INFO of the entry at path, named name (the root's name is empty). */
    private byte[] fileInfo(String path, String name) {
        boolean directory = volume.isDirectory(path);
        long size = directory ? 0 : Math.max(0, volume.size(path));
        byte[] fileName = ucs2(name);
        ByteBuffer b = ByteBuffer.allocate(FILE_INFO_SIZE + fileName.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, FILE_INFO_SIZE + fileName.length);
        b.putLong(8, size);
        b.putLong(16, blocks(size) * BLOCK_SIZE);
        for (int at : new int[] {24, 40, 56}) putTime(b, at); // create, last access, modification
        // The volume refuses writes: its files say so; FAT gives a directory no read-only bit.
        b.putLong(72, directory ? ATTRIBUTE_DIRECTORY : ATTRIBUTE_READ_ONLY);
        b.put(FILE_INFO_SIZE, fileName);
        return b.array();
    }

    /** EFI_FILE_SYSTEM_INFO: read-only, no free space, VolumeSize the clusters its files fill. */
    private byte[] fileSystemInfo() {
        byte[] label = ucs2(VOLUME_LABEL);
        ByteBuffer b = ByteBuffer.allocate(FILE_SYSTEM_INFO_SIZE + label.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, FILE_SYSTEM_INFO_SIZE + label.length);
        b.put(8, (byte) 1); // ReadOnly
        b.putLong(16, clusters("", 0) * BLOCK_SIZE);
        b.putLong(24, 0); // FreeSpace
        b.putInt(32, (int) BLOCK_SIZE);
        b.put(FILE_SYSTEM_INFO_SIZE, label);
        return b.array();
    }

    private long clusters(String dir, int depth) {
        long n = 0;
        for (String e : volume.list(dir)) {
            String p = child(dir, e);
            if (volume.isFile(p)) n += blocks(Math.max(0, volume.size(p)));
            else if (depth < MAX_DEPTH && volume.isDirectory(p)) n += clusters(p, depth + 1);
        }
        return n;
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    /** EFI_TIME: Year, Month, Day, Hour, Minute, Second, Pad1, Nanosecond, TimeZone, Daylight, Pad2. */
    private static void putTime(ByteBuffer b, int at) {
        b.putShort(at, (short) FILE_TIME[0]);
        for (int i = 1; i < FILE_TIME.length; i++) b.put(at + 1 + i, (byte) FILE_TIME[i]);
        b.putShort(at + 12, (short) EFI_UNSPECIFIED_TIMEZONE);
    }

    private static byte[] ucs2(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_16LE);
    }
}
