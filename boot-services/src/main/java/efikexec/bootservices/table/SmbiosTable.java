package efikexec.bootservices.table;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The SMBIOS 3.0 tables the firmware offers when asked for OEM strings (DMTF DSP0134 3.6):
 * a 64-bit entry point ("_SM3_") and a structure table of type 1 (System Information, naming
 * this emulated machine), type 11 (OEM Strings: what systemd-stub 257 reads as
 * io.systemd.stub.kernel-cmdline-extra= and io.systemd.credential:…) and type 127 (end).
 * Nothing here depends on the host: the same strings give the same bytes.
 */
public final class SmbiosTable {
    /** Size of the SMBIOS 3.0 entry point structure. */
    public static final int ENTRY_POINT_SIZE = 0x18;
    /** OEM strings are numbered by a byte; the spec allows at most 255. */
    public static final int MAX_STRINGS = 255;

    private SmbiosTable() {
    }

    /** The structure table: type 1, type 11 with the strings, type 127. */
    public static byte[] structures(List<String> oemStrings) {
        if (oemStrings.size() > MAX_STRINGS) {
            throw new IllegalArgumentException("at most " + MAX_STRINGS + " SMBIOS type 11 strings, not " + oemStrings.size());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Type 1, SMBIOS 2.1 layout (0x19 bytes): manufacturer and product as strings 1 and 2,
        // version, serial 0 (none), UUID zero ("not present" per the spec would be all 0xff;
        // zero says "present but not set"), wake-up type 6 (power switch).
        byte[] t1 = new byte[0x19];
        t1[0] = 1;
        t1[1] = 0x19;
        t1[2] = 0x00; // handle 0x0100, little endian
        t1[3] = 0x01;
        t1[4] = 1; // Manufacturer
        t1[5] = 2; // Product Name
        t1[6] = 0; // Version
        t1[7] = 0; // Serial Number
        t1[0x18] = 6;
        out.writeBytes(t1);
        strings(out, List.of("efikexec", "efikexec emulated machine"));

        byte[] t11 = {11, 5, 0x01, 0x01, (byte) oemStrings.size()}; // handle 0x0101
        out.writeBytes(t11);
        strings(out, oemStrings);

        out.writeBytes(new byte[] {127, 4, 0x02, 0x01}); // handle 0x0102
        strings(out, List.of());
        return out.toByteArray();
    }

    /** The 64-bit entry point for a structure table of {@code tableSize} bytes at {@code tableAddress}. */
    public static byte[] entryPoint(long tableAddress, int tableSize) {
        ByteBuffer b = ByteBuffer.allocate(ENTRY_POINT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put("_SM3_".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0); // checksum, below
        b.put((byte) ENTRY_POINT_SIZE);
        b.put((byte) 3).put((byte) 0); // SMBIOS 3.0
        b.put((byte) 0); // docrev
        b.put((byte) 1); // entry point revision: 3.0
        b.put((byte) 0); // reserved
        b.putInt(tableSize); // structure table maximum size
        b.putLong(tableAddress);
        byte[] e = b.array();
        int sum = 0;
        for (byte x : e) sum += x & 0xff;
        e[5] = (byte) -sum;
        return e;
    }

    /** A structure's string set: each NUL-terminated, then one more NUL (two when there are none). */
    private static void strings(ByteArrayOutputStream out, List<String> strings) {
        if (strings.isEmpty()) {
            out.writeBytes(new byte[] {0, 0});
            return;
        }
        for (String s : strings) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            for (byte x : b) {
                if (x == 0) throw new IllegalArgumentException("an SMBIOS string cannot hold a NUL byte");
            }
            if (b.length == 0) throw new IllegalArgumentException("an SMBIOS string cannot be empty (it would end the set)");
            out.writeBytes(b);
            out.write(0);
        }
        out.write(0);
    }
}
