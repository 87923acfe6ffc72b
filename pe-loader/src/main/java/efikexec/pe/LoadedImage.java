package efikexec.pe;

/**
 * An image placed in guest memory.
 *
 * @param delta loadAddress - ImageBase, the amount added at every relocation site
 * @param relocationsApplied number of DIR64/HIGHLOW sites patched (0 when delta is 0)
 */
public record LoadedImage(PeImage image, long loadAddress, long delta, int relocationsApplied) {
    public long entryPoint() {
        return loadAddress + image.addressOfEntryPoint();
    }

    public long end() {
        return loadAddress + image.sizeOfImage();
    }
}
