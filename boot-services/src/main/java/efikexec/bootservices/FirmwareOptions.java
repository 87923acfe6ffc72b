package efikexec.bootservices;

import efikexec.bootservices.port.ConsoleSink;
import efikexec.memmap.TargetMemory;

/**
 * What a firmware instance is built from.
 *
 * @param target the target machine's RAM and reserved ranges
 * @param image the EFI image file to load and start, or null to build the firmware alone
 * @param imageName the file name the image's LoadedImage FilePath shows
 * @param cmdline the image's LoadOptions (UCS-2), or null for none
 * @param initrd the initrd served through LoadFile2, or null
 * @param dtb the target's device tree, installed as the DEVICE_TREE config table, or null
 * @param seed seeds EFI_RNG and the random-seed table
 * @param loadAddress where to load the image, or null to let the firmware choose
 * @param console where ConOut/StdErr text goes
 */
public record FirmwareOptions(TargetMemory target, byte[] image, String imageName, String cmdline, byte[] initrd,
        byte[] dtb, long seed, Long loadAddress, ConsoleSink console) {
}
