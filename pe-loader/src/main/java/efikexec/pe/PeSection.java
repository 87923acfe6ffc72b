package efikexec.pe;

/**
 * One section header of a PE image. Addresses are RVAs, sizes in bytes, all unsigned 32-bit
 * values held in longs.
 */
public record PeSection(String name, long virtualAddress, long virtualSize, long pointerToRawData,
        long sizeOfRawData, int characteristics) {

    public static final int IMAGE_SCN_CNT_CODE = 0x20;
    public static final int IMAGE_SCN_CNT_INITIALIZED_DATA = 0x40;
    public static final int IMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x80;
    public static final int IMAGE_SCN_MEM_DISCARDABLE = 0x02000000;
    public static final int IMAGE_SCN_MEM_EXECUTE = 0x20000000;
    public static final int IMAGE_SCN_MEM_READ = 0x40000000;
    public static final int IMAGE_SCN_MEM_WRITE = 0x80000000;

    /**
     * The bytes the section occupies in memory: VirtualSize, or SizeOfRawData when VirtualSize is
     * 0 (as edk2's loader does).
     */
    public long loadedSize() {
        return virtualSize != 0 ? virtualSize : sizeOfRawData;
    }

    /** The bytes copied from the file when loading; the rest of {@link #loadedSize()} is zero (BSS). */
    public long fileBackedSize() {
        return Math.min(loadedSize(), sizeOfRawData);
    }

    public long endRva() {
        return virtualAddress + loadedSize();
    }

    public boolean containsRva(long rva) {
        return rva >= virtualAddress && rva < endRva();
    }

    public boolean isExecutable() {
        return (characteristics & IMAGE_SCN_MEM_EXECUTE) != 0;
    }

    public boolean isWritable() {
        return (characteristics & IMAGE_SCN_MEM_WRITE) != 0;
    }
}
