package efikexec.bootservices;

import efikexec.bootservices.port.ConsoleSink;
import efikexec.bootservices.port.FileVolume;
import efikexec.memmap.TargetMemory;
import java.util.List;

/**
 * What a firmware instance is built from.
 *
 * @param target the target machine's RAM and reserved ranges
 * @param image the EFI image file to load and start, or null to build the firmware alone
 * @param imageName the image's path on its device, '\' between names, without the leading '\'
 *     (a file name alone is a file at the root): its LoadedImage FilePath is '\' + imageName
 * @param cmdline the image's LoadOptions (UCS-2), or null for none
 * @param initrd the initrd served through LoadFile2, or null
 * @param dtb the target's device tree, installed as the DEVICE_TREE config table, or null
 * @param seed seeds EFI_RNG and the random-seed table
 * @param loadAddress where to load the image, or null to let the firmware choose
 * @param console where ConOut/StdErr text goes
 * @param smbiosType11 the OEM strings of an SMBIOS type 11 structure (systemd-stub reads
 *     credentials and command-line extras there); empty: none
 * @param esp the read-only volume the image was loaded from, served through
 *     SimpleFileSystem on its device handle, or null for none
 * @param secureBoot whether the variables say Secure Boot is on (SecureBoot = 1, SetupMode = 0):
 *     true when the image's signature was checked against a db before it ran, as firmware would
 * @param firmwareTables the target firmware's own tables (ACPI RSDP, SMBIOS entry point),
 *     installed as config tables where they are (pass-through, for --host); empty: none
 */
public record FirmwareOptions(TargetMemory target, byte[] image, String imageName, String cmdline, byte[] initrd,
        byte[] dtb, long seed, Long loadAddress, ConsoleSink console, List<String> smbiosType11, FileVolume esp,
        boolean secureBoot, List<FirmwareTable> firmwareTables) {

    public FirmwareOptions {
        smbiosType11 = List.copyOf(smbiosType11);
        firmwareTables = List.copyOf(firmwareTables);
    }

    /** No SMBIOS strings and no ESP. */
    public FirmwareOptions(TargetMemory target, byte[] image, String imageName, String cmdline, byte[] initrd,
            byte[] dtb, long seed, Long loadAddress, ConsoleSink console) {
        this(target, image, imageName, cmdline, initrd, dtb, seed, loadAddress, console, List.of(), null, false, List.of());
    }

    public FirmwareOptions withSmbiosType11(List<String> strings) {
        return new FirmwareOptions(target, image, imageName, cmdline, initrd, dtb, seed, loadAddress, console, strings, esp, secureBoot, firmwareTables);
    }

    public FirmwareOptions withEsp(FileVolume volume) {
        return new FirmwareOptions(target, image, imageName, cmdline, initrd, dtb, seed, loadAddress, console,
                smbiosType11, volume, secureBoot, firmwareTables);
    }

    /**
     * The ESP, with the image at imagePath on it (as imageName): systemd-stub finds the UKI's own
     * addons and credentials in the directory named after its FilePath, \EFI\Linux\NAME.efi.extra.d.
     */
    public FirmwareOptions withEsp(FileVolume volume, String imagePath) {
        return new FirmwareOptions(target, image, imagePath, cmdline, initrd, dtb, seed, loadAddress, console,
                smbiosType11, volume, secureBoot, firmwareTables);
    }

    public FirmwareOptions withSecureBoot(boolean on) {
        return new FirmwareOptions(target, image, imageName, cmdline, initrd, dtb, seed, loadAddress, console,
                smbiosType11, esp, on, firmwareTables);
    }

    public FirmwareOptions withFirmwareTables(List<FirmwareTable> tables) {
        return new FirmwareOptions(target, image, imageName, cmdline, initrd, dtb, seed, loadAddress, console,
                smbiosType11, esp, secureBoot, tables);
    }
}
