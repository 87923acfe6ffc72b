package efikexec.bootservices.protocol;

import efikexec.model.memory.GuestMemory;

/** EFI_LOADED_IMAGE_PROTOCOL layout (UEFI 2.10, 9.1); the structure lives in guest memory. */
public final class LoadedImageProtocol {
    private LoadedImageProtocol() {
    }

    public static final long REVISION = 0x1000;
    public static final int REVISION_OFFSET = 0x00;
    public static final int PARENT_HANDLE = 0x08;
    public static final int SYSTEM_TABLE = 0x10;
    public static final int DEVICE_HANDLE = 0x18;
    public static final int FILE_PATH = 0x20;
    public static final int LOAD_OPTIONS_SIZE = 0x30;
    public static final int LOAD_OPTIONS = 0x38;
    public static final int IMAGE_BASE = 0x40;
    public static final int IMAGE_SIZE = 0x48;
    public static final int IMAGE_CODE_TYPE = 0x50;
    public static final int IMAGE_DATA_TYPE = 0x54;
    public static final int UNLOAD = 0x58;
    public static final int SIZE = 0x60;

    public record Fields(long parent, long systemTable, long deviceHandle, long filePath, long loadOptionsSize,
            long loadOptions, long imageBase, long imageSize, int codeType, int dataType) {
    }

    public static void write(GuestMemory mem, long at, Fields f) {
        mem.fill(at, SIZE, 0);
        mem.writeU32(at + REVISION_OFFSET, REVISION);
        mem.writeU64(at + PARENT_HANDLE, f.parent());
        mem.writeU64(at + SYSTEM_TABLE, f.systemTable());
        mem.writeU64(at + DEVICE_HANDLE, f.deviceHandle());
        mem.writeU64(at + FILE_PATH, f.filePath());
        mem.writeU32(at + LOAD_OPTIONS_SIZE, f.loadOptionsSize());
        mem.writeU64(at + LOAD_OPTIONS, f.loadOptions());
        mem.writeU64(at + IMAGE_BASE, f.imageBase());
        mem.writeU64(at + IMAGE_SIZE, f.imageSize());
        mem.writeU32(at + IMAGE_CODE_TYPE, f.codeType());
        mem.writeU32(at + IMAGE_DATA_TYPE, f.dataType());
    }
}
