package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.FirmwareException;
import efikexec.bootservices.ImageLoader;
import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.handle.HandleDatabase;
import efikexec.bootservices.protocol.SimpleFileSystemProtocol;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.model.EfiStatus;
import efikexec.model.FormatException;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LoadImage (from a source buffer, or from a device path through a SimpleFileSystem of ours or
 * the guest's LoadFile2/LoadFile), StartImage, UnloadImage, Exit and ExitBootServices (UEFI 2.10,
 * 7.4). StartImage and a guest LoadFile2 only check and ask; the emulator runs the guest code.
 */
public final class ImageServices {
    private final Firmware fw;

    public ImageServices(Firmware fw) {
        this.fw = fw;
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("LoadImage", new Binding(6, this::loadImage));
        b.put("UnloadImage", new Binding(1, this::unloadImage));
        b.put("StartImage", new Binding(3, this::startImage));
        b.put("Exit", new Binding(4, this::exit));
        b.put("ExitBootServices", new Binding(2, this::exitBootServices));
        return b;
    }

    /** Source buffers larger than this are refused (no EFI image comes near it). */
    private static final long MAX_SOURCE = 1L << 30;

    private long loadImage(CallArgs a) {
        long bootPolicy = a.arg(0), parent = a.arg(1), devicePath = a.arg(2), source = a.arg(3), size = a.arg(4);
        long handlePtr = a.arg(5);
        if (handlePtr == 0 || fw.image(parent) == null) return EfiStatus.INVALID_PARAMETER.code();
        byte[] file;
        if (source == 0) {
            if (devicePath == 0) return EfiStatus.NOT_FOUND.code();
            // systemd-stub loads its addons this way, from the ESP.
            file = SimpleFileSystemProtocol.loadFile(fw, devicePath);
            if (file == null) return loadThroughLoadFile(bootPolicy != 0, parent, devicePath, handlePtr);
        } else {
            if (size == 0 || Long.compareUnsigned(size, MAX_SOURCE) > 0) return EfiStatus.LOAD_ERROR.code();
            file = fw.memory().read(source, (int) size);
        }
        return load(file, parent, devicePath, handlePtr);
    }

    /**
     * LoadImage from a device path whose device has LoadFile2 (BootPolicy FALSE) or LoadFile
     * (UEFI 2.10, 7.4.1): the EFI zboot decompressor serves its kernel this way. The provider is
     * guest code, so the emulator calls it on the caller's behalf: once for the size, once into a
     * pool buffer of that size; the image is then loaded from the buffer and the buffer freed. The
     * status traced here is a placeholder: the caller gets the status of the whole.
     */
    private long loadThroughLoadFile(boolean bootPolicy, long parent, long devicePath, long handlePtr) {
        DevicePath query = DevicePath.read(fw.memory(), devicePath);
        if (query == null) return EfiStatus.INVALID_PARAMETER.code();
        Guid protocol = KnownGuids.LOAD_FILE2;
        HandleDatabase.DevicePathMatch m =
                bootPolicy ? null : fw.handles().locateDevicePath(fw.memory(), protocol, query);
        if (m == null) {
            protocol = KnownGuids.LOAD_FILE;
            m = fw.handles().locateDevicePath(fw.memory(), protocol, query);
        }
        if (m == null) {
            fw.registry().note("no SimpleFileSystem, LoadFile2 or LoadFile on " + query);
            return EfiStatus.NOT_FOUND.code();
        }
        long iface = fw.handles().find(m.handle(), protocol);
        long function = fw.memory().readU64(iface); // LoadFile is the interface's only member
        long remaining = devicePath + m.matchedBytes();
        AllocationResult sizeCell = fw.pool().allocatePool(MemoryType.BOOT_SERVICES_DATA, 8);
        if (!sizeCell.isSuccess()) return EfiStatus.OUT_OF_RESOURCES.code();
        long sizePtr = sizeCell.address();
        fw.memory().writeU64(sizePtr, 0);
        long policy = bootPolicy ? 1 : 0;
        fw.registry().note(String.format("through %s.LoadFile at 0x%x (guest code); the result is this call's status",
                KnownGuids.name(protocol), function));
        fw.post(new FirmwareEvent.CallGuest(function, java.util.List.of(iface, remaining, policy, sizePtr, 0L), first -> {
            long need = fw.memory().readU64(sizePtr);
            if (first != EfiStatus.BUFFER_TOO_SMALL.code() || need == 0 || Long.compareUnsigned(need, MAX_SOURCE) > 0) {
                fw.pool().freePool(sizePtr);
                return new FirmwareEvent.ServiceDone(first == EfiStatus.BUFFER_TOO_SMALL.code() || first == 0
                        ? EfiStatus.LOAD_ERROR.code() : first);
            }
            AllocationResult buf = fw.pool().allocatePool(MemoryType.BOOT_SERVICES_DATA, need);
            if (!buf.isSuccess()) {
                fw.pool().freePool(sizePtr);
                return new FirmwareEvent.ServiceDone(EfiStatus.OUT_OF_RESOURCES.code());
            }
            return new FirmwareEvent.CallGuest(function, java.util.List.of(iface, remaining, policy, sizePtr, buf.address()),
                    second -> {
                        long got = fw.memory().readU64(sizePtr);
                        byte[] file = second == 0 && got > 0 && got <= need ? fw.memory().read(buf.address(), (int) got) : null;
                        fw.pool().freePool(buf.address());
                        fw.pool().freePool(sizePtr);
                        if (file == null) return new FirmwareEvent.ServiceDone(second != 0 ? second : EfiStatus.LOAD_ERROR.code());
                        return new FirmwareEvent.ServiceDone(load(file, parent, devicePath, handlePtr));
                    });
        }));
        return EfiStatus.SUCCESS.code();
    }

    /** The common end of every LoadImage: parse, place, record; the handle goes to handlePtr. */
    private long load(byte[] file, long parent, long devicePath, long handlePtr) {
        PeImage pe;
        try {
            pe = PeParser.parse(file);
        } catch (FormatException e) {
            fw.registry().note(e.describe());
            return EfiStatus.LOAD_ERROR.code();
        }
        if (!pe.arch().equals(fw.architecture())) {
            fw.registry().note("image for " + pe.arch());
            return EfiStatus.UNSUPPORTED.code();
        }
        String name = "image" + fw.images().size();
        if (devicePath != 0) {
            DevicePath dp = DevicePath.read(fw.memory(), devicePath);
            String path = dp != null ? dp.toString() : "";
            if (!path.isEmpty()) name = path.substring(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
        }
        LoadedImage image;
        try {
            image = ImageLoader.load(fw, pe, file, name, null, null, fw.architecture(), parent);
        } catch (FirmwareException e) {
            fw.registry().note(e.getMessage());
            return EfiStatus.OUT_OF_RESOURCES.code();
        } catch (FormatException e) {
            fw.registry().note(e.describe());
            return EfiStatus.LOAD_ERROR.code();
        }
        fw.memory().writeU64(handlePtr, image.handle());
        fw.registry().note(String.format("%s at 0x%x", name, image.base()));
        return EfiStatus.SUCCESS.code();
    }

    /**
     * UnloadImage of an image that was loaded and not started: its pages and protocols go. The
     * first image (started by the firmware) has no Unload function: UNSUPPORTED, as the spec says.
     */
    private long unloadImage(CallArgs a) {
        long handle = a.arg(0);
        LoadedImage image = fw.image(handle);
        if (image == null) return EfiStatus.INVALID_PARAMETER.code();
        if (fw.images().indexOf(image) == 0 || started.contains(handle)) return EfiStatus.UNSUPPORTED.code();
        Long dp = fw.handles().find(handle, KnownGuids.LOADED_IMAGE_DEVICE_PATH);
        if (dp != null) fw.handles().uninstall(handle, KnownGuids.LOADED_IMAGE_DEVICE_PATH, dp);
        fw.handles().uninstall(handle, KnownGuids.LOADED_IMAGE, image.loadedImageProtocol());
        fw.pages().freePages(image.base(), image.size() / 4096);
        fw.images().remove(image);
        return EfiStatus.SUCCESS.code();
    }

    private final java.util.Set<Long> started = new java.util.HashSet<>();

    /**
     * StartImage: the image runs now, on the caller's behalf, and StartImage returns when it
     * returns or calls Exit: the emulator does that (it saves the caller, enters the child and
     * gives the caller the child's status); here only the checks. The value returned here is
     * replaced by the child's status.
     */
    private long startImage(CallArgs a) {
        long handle = a.arg(0);
        LoadedImage image = fw.image(handle);
        if (image == null || fw.images().indexOf(image) == 0 || !started.add(handle)) {
            return EfiStatus.INVALID_PARAMETER.code();
        }
        fw.registry().note("starts " + image.name() + "; its status is what this call returns");
        fw.post(new FirmwareEvent.StartImage(handle));
        return EfiStatus.SUCCESS.code();
    }

    private long exit(CallArgs a) {
        long handle = a.arg(0), status = a.arg(1);
        if (fw.image(handle) == null) return EfiStatus.INVALID_PARAMETER.code();
        fw.post(new FirmwareEvent.ImageReturned(handle, status, true, a.callerPc()));
        return EfiStatus.SUCCESS.code();
    }

    /**
     * A stale MapKey fails as on real firmware (the Linux stub then gets the map again and
     * retries); on success the tables lose their boot-time pointers.
     */
    private long exitBootServices(CallArgs a) {
        long handle = a.arg(0), key = a.arg(1);
        if (fw.image(handle) == null) return EfiStatus.INVALID_PARAMETER.code();
        if (key != fw.memoryMap().mapKey()) {
            fw.registry().note(String.format("stale MapKey 0x%x, current 0x%x", key, fw.memoryMap().mapKey()));
            return EfiStatus.INVALID_PARAMETER.code();
        }
        fw.systemTable().exitBootServices();
        fw.markBootServicesExited();
        fw.post(new FirmwareEvent.BootServicesExited(handle));
        return EfiStatus.SUCCESS.code();
    }
}
