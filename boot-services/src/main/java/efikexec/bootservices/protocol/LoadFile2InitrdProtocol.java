package efikexec.bootservices.protocol;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.CallArgs;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.GuestMemory;

/**
 * The Linux initrd through EFI_LOAD_FILE2_PROTOCOL on a handle whose device path is
 * VenMedia(LINUX_EFI_INITRD_MEDIA): the way the EFI stub (5.8+) and systemd-stub look for it.
 * Two calls, as efiloader's initrdloadfile2.rs: the size with BUFFER_TOO_SMALL, then the bytes.
 */
public final class LoadFile2InitrdProtocol {
    public static final DevicePath DEVICE_PATH = DevicePath.EMPTY.vendorMedia(KnownGuids.LINUX_EFI_INITRD_MEDIA);

    private LoadFile2InitrdProtocol() {
    }

    /** Installs the protocol and its device path on a new handle; returns the handle. */
    public static long install(Firmware fw, byte[] initrd) {
        GuestMemory mem = fw.memory();
        long iface = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, 8);
        mem.writeU64(iface, fw.registry().register("LoadFile2.LoadFile", 5, a -> loadFile(mem, a, initrd)));
        byte[] dp = DEVICE_PATH.toBytes();
        long dpAddr = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, dp.length);
        mem.write(dpAddr, dp);
        long handle = fw.handles().createHandle();
        fw.handles().install(handle, KnownGuids.DEVICE_PATH, dpAddr);
        fw.handles().install(handle, KnownGuids.LOAD_FILE2, iface);
        return handle;
    }

    private static long loadFile(GuestMemory mem, CallArgs a, byte[] initrd) {
        long filePath = a.arg(1), bootPolicy = a.arg(2), sizePtr = a.arg(3), buffer = a.arg(4);
        if (sizePtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        // LoadFile2 never serves a boot-policy request (that is LoadFile's job).
        if (bootPolicy != 0) return EfiStatus.UNSUPPORTED.code();
        if (filePath == 0) return EfiStatus.INVALID_PARAMETER.code();
        // The remaining path after LocateDevicePath must be the end node: no file name.
        if (mem.readU8(filePath) != DevicePath.TYPE_END) return EfiStatus.NOT_FOUND.code();
        long have = mem.readU64(sizePtr);
        mem.writeU64(sizePtr, initrd.length);
        if (buffer == 0 || Long.compareUnsigned(have, initrd.length) < 0) return EfiStatus.BUFFER_TOO_SMALL.code();
        mem.write(buffer, initrd);
        return EfiStatus.SUCCESS.code();
    }
}
