package efikexec.bootservices;

import efikexec.pe.PeImage;

/**
 * An image the firmware loaded: where it sits, its entry point and the guest address of its
 * EFI_LOADED_IMAGE_PROTOCOL (which the guest may change: systemd writes LoadOptions there).
 */
public record LoadedImage(long handle, long base, long size, long entryPoint, long loadedImageProtocol,
        PeImage pe, String name) {
}
