package efikexec.pe;

/** The kinds of image efikexec tells apart. */
public enum ImageFormat {
    /** Linux arm64 Image with an EFI stub: a PE32+ whose first 64 bytes are the arm64 Image header. */
    ARM64_LINUX_IMAGE("arm64 Linux Image"),
    /** Linux x86 bzImage with an EFI stub: a PE32+ with the boot protocol's setup header ("HdrS" at 0x202). */
    X86_BZIMAGE("x86 bzImage"),
    /** Linux EFI zboot: a small PE32+ ("zimg" at offset 4) that decompresses the real kernel. */
    EFI_ZBOOT("EFI zboot image"),
    /** A unified kernel image: an EFI stub (systemd-stub) carrying the kernel in a .linux section. */
    UKI("unified kernel image"),
    /** Any other PE32+ image (systemd-boot, a bare systemd-stub, a UEFI application). */
    PE_APPLICATION("PE32+ EFI application");

    private final String description;

    ImageFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
