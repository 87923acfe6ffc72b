package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.model.EfiStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LoadImage (from a source buffer, or from a device path through a SimpleFileSystem of ours),
 * StartImage, UnloadImage, Exit and ExitBootServices (UEFI 2.10, 7.4). StartImage only checks and
 * asks; the emulator runs the child.
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
        long parent = a.arg(1), devicePath = a.arg(2), source = a.arg(3), size = a.arg(4), handlePtr = a.arg(5);
        if (handlePtr == 0 || fw.image(parent) == null) return EfiStatus.INVALID_PARAMETER.code();
        byte[] file;
        if (source == 0) {
            // systemd-stub loads its addons this way, from the ESP.
            file = devicePath == 0 ? null : efikexec.bootservices.protocol.SimpleFileSystemProtocol.loadFile(fw, devicePath);
            if (file == null) return EfiStatus.NOT_FOUND.code();
        } else {
            if (size == 0 || Long.compareUnsigned(size, MAX_SOURCE) > 0) return EfiStatus.LOAD_ERROR.code();
            file = fw.memory().read(source, (int) size);
        }
        efikexec.pe.PeImage pe;
        try {
            pe = efikexec.pe.PeParser.parse(file);
        } catch (efikexec.model.FormatException e) {
            fw.registry().note(e.describe());
            return EfiStatus.LOAD_ERROR.code();
        }
        if (!pe.arch().equals(fw.architecture())) {
            fw.registry().note("image for " + pe.arch());
            return EfiStatus.UNSUPPORTED.code();
        }
        String name = "image" + fw.images().size();
        if (devicePath != 0) {
            efikexec.model.devicepath.DevicePath dp = efikexec.model.devicepath.DevicePath.read(fw.memory(), devicePath);
            String path = dp != null ? dp.toString() : "";
            if (!path.isEmpty()) name = path.substring(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
        }
        efikexec.bootservices.LoadedImage image;
        try {
            image = efikexec.bootservices.ImageLoader.load(fw, pe, file, name, null, null, fw.architecture(), parent);
        } catch (efikexec.bootservices.FirmwareException e) {
            fw.registry().note(e.getMessage());
            return EfiStatus.OUT_OF_RESOURCES.code();
        } catch (efikexec.model.FormatException e) {
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
        efikexec.bootservices.LoadedImage image = fw.image(handle);
        if (image == null) return EfiStatus.INVALID_PARAMETER.code();
        if (fw.images().indexOf(image) == 0 || started.contains(handle)) return EfiStatus.UNSUPPORTED.code();
        Long dp = fw.handles().find(handle, efikexec.model.KnownGuids.LOADED_IMAGE_DEVICE_PATH);
        if (dp != null) fw.handles().uninstall(handle, efikexec.model.KnownGuids.LOADED_IMAGE_DEVICE_PATH, dp);
        fw.handles().uninstall(handle, efikexec.model.KnownGuids.LOADED_IMAGE, image.loadedImageProtocol());
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
        efikexec.bootservices.LoadedImage image = fw.image(handle);
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
