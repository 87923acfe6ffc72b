package efikexec.kexec.host;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This machine's ACPI Root System Description Pointer, to hand to the new kernel as an EFI
 * config table (ACPI 2.0's when revision ≥ 2): without it an x86 kernel runs with no ACPI (no
 * power-off, one CPU, legacy interrupts; EFI-NOTES "Handoff").
 *
 * @param address its physical address
 * @param revision 0 for ACPI 1.0 (RSDT only), 2 or more for ACPI 2.0+ (XSDT)
 */
public record AcpiRsdp(long address, int revision) {
    /** Where a BIOS puts the RSDP (ACPI 6.5, 5.2.5.1): on a 16-byte boundary in 0xE0000–0xFFFFF. */
    public static final long BIOS_AREA = 0xE0000;
    public static final int BIOS_AREA_SIZE = 0x20000;
    static final byte[] SIGNATURE = "RSD PTR ".getBytes(StandardCharsets.US_ASCII);

    public boolean acpi20() {
        return revision >= 2;
    }

    /**
     * EFI systems: /sys/firmware/efi/systab's ACPI20= (preferred) or ACPI= line. Otherwise, on
     * x86, the BIOS area read through /dev/mem (root may read the first MiB even with
     * STRICT_DEVMEM). Empty when neither has one.
     */
    public static Optional<AcpiRsdp> find(HostSystem host) {
        Optional<String> systab = host.text("/sys/firmware/efi/systab");
        if (systab.isPresent()) {
            Long acpi20 = null;
            Long acpi10 = null;
            for (String line : systab.get().split("\n")) {
                if (line.startsWith("ACPI20=")) acpi20 = systabAddress(line);
                if (line.startsWith("ACPI=")) acpi10 = systabAddress(line);
            }
            if (acpi20 != null) return Optional.of(new AcpiRsdp(acpi20, 2));
            if (acpi10 != null) return Optional.of(new AcpiRsdp(acpi10, 0));
        }
        if (!host.arch().equals("x86_64")) return Optional.empty();
        Path mem = host.path("/dev/mem");
        if (!Files.exists(mem)) return Optional.empty();
        byte[] area = new byte[BIOS_AREA_SIZE];
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "r")) {
            f.seek(BIOS_AREA);
            f.readFully(area);
        } catch (IOException e) {
            throw new HostException("/dev/mem: cannot read the BIOS area 0xe0000-0xfffff for the ACPI RSDP: " + e.getMessage());
        }
        return scan(area, BIOS_AREA);
    }

    /** The first valid RSDP on a 16-byte boundary of {@code area}, which starts at {@code base}. */
    public static Optional<AcpiRsdp> scan(byte[] area, long base) {
        for (int at = 0; at + 20 <= area.length; at += 16) {
            if (!java.util.Arrays.equals(area, at, at + 8, SIGNATURE, 0, 8)) continue;
            if (sum(area, at, 20) != 0) continue;
            int revision = area[at + 15] & 0xff;
            if (revision >= 2) {
                if (at + 36 > area.length) continue;
                int length = (area[at + 20] & 0xff) | (area[at + 21] & 0xff) << 8 | (area[at + 22] & 0xff) << 16
                        | (area[at + 23] & 0xff) << 24;
                if (length < 36 || at + length > area.length || sum(area, at, length) != 0) continue;
            }
            return Optional.of(new AcpiRsdp(base + at, revision));
        }
        return Optional.empty();
    }

    private static int sum(byte[] b, int from, int length) {
        int s = 0;
        for (int i = from; i < from + length; i++) s += b[i];
        return s & 0xff;
    }

    private static long systabAddress(String line) {
        String v = line.substring(line.indexOf('=') + 1).strip();
        try {
            return Long.parseUnsignedLong(v.startsWith("0x") ? v.substring(2) : v, 16);
        } catch (NumberFormatException e) {
            throw new HostException("/sys/firmware/efi/systab: \"" + line.strip() + "\" holds no hexadecimal address");
        }
    }
}
