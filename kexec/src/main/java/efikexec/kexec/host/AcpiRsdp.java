package efikexec.kexec.host;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * This machine's ACPI Root System Description Pointer, to hand to the new kernel as an EFI
 * config table (ACPI 2.0's when revision ≥ 2): without it an x86 kernel runs with no ACPI (no
 * power-off, one CPU, legacy interrupts; EFI-NOTES "Handoff").
 *
 * @param address its physical address
 * @param revision 0 for ACPI 1.0 (RSDT only), 2 or more for ACPI 2.0+ (XSDT)
 */
public record AcpiRsdp(long address, int revision) {
    public boolean acpi20() {
        return revision >= 2;
    }

    /**
     * EFI systems: /sys/firmware/efi/systab's ACPI20= (preferred) or ACPI= line. Otherwise, on
     * x86, the BIOS area through /dev/mem ({@link BiosArea#once}). Empty when neither has one.
     */
    public static Optional<AcpiRsdp> find(Optional<String> systab, Supplier<Optional<byte[]>> biosArea) {
        if (systab.isPresent()) {
            Long acpi20 = BiosArea.systab(systab.get(), "ACPI20");
            if (acpi20 != null) return Optional.of(new AcpiRsdp(acpi20, 2));
            Long acpi10 = BiosArea.systab(systab.get(), "ACPI");
            if (acpi10 != null) return Optional.of(new AcpiRsdp(acpi10, 0));
        }
        return biosArea.get().flatMap(area -> scan(area, BiosArea.START));
    }

    /** The first valid RSDP on a 16-byte boundary of {@code area}, which starts at {@code base} (ACPI 6.5, 5.2.5). */
    public static Optional<AcpiRsdp> scan(byte[] area, long base) {
        for (int at = 0; at + 20 <= area.length; at += 16) {
            if (!BiosArea.startsWith(area, at, "RSD PTR ") || !BiosArea.checksumOk(area, at, 20)) continue;
            int revision = area[at + 15] & 0xff;
            if (revision >= 2) {
                if (at + 36 > area.length) continue;
                int length = (area[at + 20] & 0xff) | (area[at + 21] & 0xff) << 8 | (area[at + 22] & 0xff) << 16
                        | (area[at + 23] & 0xff) << 24;
                if (length < 36 || !BiosArea.checksumOk(area, at, length)) continue;
            }
            return Optional.of(new AcpiRsdp(base + at, revision));
        }
        return Optional.empty();
    }
}
