package efikexec.kexec.host;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * This machine's SMBIOS entry point, to hand to the new kernel as an EFI config table (SMBIOS3's
 * for a 3.x "_SM3_" entry point, SMBIOS's for a 2.x "_SM_" one): without it the kernel says
 * "DMI not present or invalid" and loses the machine's identity (DMI quirks, /sys/class/dmi).
 *
 * @param address its physical address
 * @param v3 a 64-bit SMBIOS 3.x entry point ("_SM3_") rather than a 2.x one ("_SM_")
 */
public record SmbiosEntryPoint(long address, boolean v3) {
    /**
     * EFI systems: /sys/firmware/efi/systab's SMBIOS3= (preferred) or SMBIOS= line. Otherwise, on
     * x86, the BIOS area through /dev/mem ({@link BiosArea#once}). Empty when neither has one.
     */
    public static Optional<SmbiosEntryPoint> find(Optional<String> systab, Supplier<Optional<byte[]>> biosArea) {
        if (systab.isPresent()) {
            Long v3 = BiosArea.systab(systab.get(), "SMBIOS3");
            if (v3 != null) return Optional.of(new SmbiosEntryPoint(v3, true));
            Long v2 = BiosArea.systab(systab.get(), "SMBIOS");
            if (v2 != null) return Optional.of(new SmbiosEntryPoint(v2, false));
        }
        return biosArea.get().flatMap(area -> scan(area, BiosArea.START));
    }

    /**
     * The first valid entry point on a 16-byte boundary (SMBIOS 3.7, 5.2): "_SM3_" with its
     * length at +6 and a checksum over it; or "_SM_" with its length at +5 and checksum, and the
     * "_DMI_" intermediate anchor at +16 with a checksum over 15 bytes.
     */
    public static Optional<SmbiosEntryPoint> scan(byte[] area, long base) {
        for (int at = 0; at + 16 <= area.length; at += 16) {
            if (BiosArea.startsWith(area, at, "_SM3_") && at + 7 <= area.length
                    && BiosArea.checksumOk(area, at, area[at + 6] & 0xff)) {
                return Optional.of(new SmbiosEntryPoint(base + at, true));
            }
            if (BiosArea.startsWith(area, at, "_SM_") && at + 31 <= area.length
                    && BiosArea.checksumOk(area, at, area[at + 5] & 0xff)
                    && BiosArea.startsWith(area, at + 16, "_DMI_") && BiosArea.checksumOk(area, at + 16, 15)) {
                return Optional.of(new SmbiosEntryPoint(base + at, false));
            }
        }
        return Optional.empty();
    }
}
