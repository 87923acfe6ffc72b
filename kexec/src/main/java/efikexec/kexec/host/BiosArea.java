package efikexec.kexec.host;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The PC BIOS area 0xE0000–0xFFFFF through /dev/mem, where a BIOS (SeaBIOS in a QEMU guest)
 * leaves the ACPI RSDP and the SMBIOS entry point. Root may read the first MiB even with
 * STRICT_DEVMEM. Empty on a machine without /dev/mem.
 */
final class BiosArea {
    static final long START = 0xE0000;
    static final int SIZE = 0x20000;

    private BiosArea() {
    }

    /**
     * The area as the RSDP and SMBIOS searches both want it: read on the first call, at most once,
     * and only on x86 (other machines have no BIOS area). Empty on a machine without /dev/mem.
     */
    static Supplier<Optional<byte[]>> once(HostSystem host) {
        return new Supplier<>() {
            private Optional<byte[]> area;

            @Override
            public Optional<byte[]> get() {
                if (area == null) area = host.arch().equals("x86_64") ? read(host) : Optional.empty();
                return area;
            }
        };
    }

    static Optional<byte[]> read(HostSystem host) {
        Path mem = host.path("/dev/mem");
        if (!Files.exists(mem)) return Optional.empty();
        byte[] area = new byte[SIZE];
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "r")) {
            f.seek(START);
            f.readFully(area);
        } catch (IOException e) {
            throw new HostException("/dev/mem: cannot read the BIOS area 0xe0000-0xfffff: " + e.getMessage());
        }
        return Optional.of(area);
    }

    /** The bytes [at, at + length) sum to 0 modulo 256 (every BIOS table's checksum rule). */
    static boolean checksumOk(byte[] b, int at, int length) {
        if (at < 0 || length <= 0 || at + length > b.length) return false;
        int s = 0;
        for (int i = at; i < at + length; i++) s += b[i];
        return (s & 0xff) == 0;
    }

    static boolean startsWith(byte[] b, int at, String text) {
        if (at + text.length() > b.length) return false;
        for (int i = 0; i < text.length(); i++) if (b[at + i] != (byte) text.charAt(i)) return false;
        return true;
    }

    /** "NAME=0x…" of /sys/firmware/efi/systab, or null. */
    static Long systab(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "=")) {
                String v = line.substring(name.length() + 1).strip();
                try {
                    return Long.parseUnsignedLong(v.startsWith("0x") ? v.substring(2) : v, 16);
                } catch (NumberFormatException e) {
                    throw new HostException("/sys/firmware/efi/systab: \"" + line.strip() + "\" holds no hexadecimal address");
                }
            }
        }
        return null;
    }
}
