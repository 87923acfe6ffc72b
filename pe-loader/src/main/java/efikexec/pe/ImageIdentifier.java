package efikexec.pe;

import efikexec.model.FormatException;
import efikexec.pe.linux.Arm64ImageHeader;

/**
 * Tells image formats apart. Every format efikexec runs is a PE32+ image; anything else fails
 * with a {@link FormatException} on "MZ magic" that says what the file looks like, when it can.
 */
public final class ImageIdentifier {
    private ImageIdentifier() {}

    /**
     * Identifies the image and checks its PE headers (and, for an arm64 Linux Image, its Image
     * header).
     */
    public static IdentifiedImage identify(byte[] file) {
        if (!FileSignatures.isMz(file)) throw FileSignatures.notMz(file);
        PeImage pe = PeParser.parse(file);
        ImageFormat format;
        if (FileSignatures.hasZbootMagic(file)) {
            format = ImageFormat.EFI_ZBOOT;
        } else if (pe.machine() == Machine.IMAGE_FILE_MACHINE_AMD64 && FileSignatures.hasX86SetupHeader(file)) {
            format = ImageFormat.X86_BZIMAGE;
        } else if (pe.machine() == Machine.IMAGE_FILE_MACHINE_ARM64 && Arm64ImageHeader.isArm64Image(file)) {
            Arm64ImageHeader.parse(file);
            format = ImageFormat.ARM64_LINUX_IMAGE;
        } else if (efikexec.pe.uki.UkiSections.isUki(pe)) {
            format = ImageFormat.UKI;
        } else {
            format = ImageFormat.PE_APPLICATION;
        }
        return new IdentifiedImage(format, pe.arch(), pe);
    }
}
