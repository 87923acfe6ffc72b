package efikexec.memmap;

import efikexec.model.EfiStatus;

/**
 * What GetMemoryMap hands back, computed without touching the map so that asking for the map
 * can never change it (and so never change the key the caller then gives ExitBootServices).
 *
 * @param status SUCCESS, or BUFFER_TOO_SMALL when the caller's buffer cannot hold the map
 * @param memoryMapSize the value for the caller's *MemoryMapSize: on SUCCESS the bytes written;
 *     on BUFFER_TOO_SMALL the size to allocate, which already includes room for
 *     {@link MemoryMap#EXTRA_DESCRIPTORS_WHEN_TOO_SMALL} more descriptors, because the pool the
 *     caller allocates for the map usually adds a descriptor or two to it
 * @param descriptors the encoded map on SUCCESS, empty otherwise (a copy: callers may not
 *     change a snapshot)
 * @param mapKey the key of the map as read; the caller only hands it to the guest on SUCCESS
 * @param descriptorSize bytes per descriptor ({@link MemoryMap#DESCRIPTOR_SIZE}), reported in
 *     both cases as U-Boot does
 * @param descriptorVersion {@link MemoryMap#DESCRIPTOR_VERSION}
 */
public record MemoryMapSnapshot(
        EfiStatus status,
        long memoryMapSize,
        byte[] descriptors,
        long mapKey,
        int descriptorSize,
        int descriptorVersion) {

    public MemoryMapSnapshot {
        descriptors = descriptors.clone();
    }

    @Override
    public byte[] descriptors() {
        return descriptors.clone();
    }

    /** How many descriptors {@link #descriptors()} holds. */
    public int descriptorCount() {
        return descriptors.length / descriptorSize;
    }
}
