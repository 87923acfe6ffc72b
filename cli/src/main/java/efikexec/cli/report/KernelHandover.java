package efikexec.cli.report;

import efikexec.model.FormatException;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.model.memory.GuestMemory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What the kernel receives at entry on arm64: the FDT at x0 and its /chosen node. */
public final class KernelHandover {
    private static final int MAX_FDT = 64 << 20;

    private KernelHandover() {
    }

    /** The FDT at address, or empty if there is none there. */
    public static Optional<Fdt> fdtAt(GuestMemory mem, long address) {
        if (!mem.isMapped(address, 8)) return Optional.empty();
        byte[] h = mem.read(address, 8);
        long magic = ((h[0] & 0xffL) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
        long size = ((h[4] & 0xffL) << 24) | ((h[5] & 0xff) << 16) | ((h[6] & 0xff) << 8) | (h[7] & 0xff);
        if (magic != 0xd00dfeedL || size > MAX_FDT || !mem.isMapped(address, size)) return Optional.empty();
        try {
            return Optional.of(Fdt.parse(mem.read(address, (int) size)));
        } catch (FormatException e) {
            return Optional.empty();
        }
    }

    /** /chosen as the report shows it: strings as text, 32/64-bit cells as "0x…". */
    public static Map<String, Object> chosen(Fdt fdt) {
        Map<String, Object> m = new LinkedHashMap<>();
        FdtNode chosen = fdt.node("/chosen").orElse(null);
        if (chosen == null) return m;
        for (Map.Entry<String, byte[]> p : chosen.properties().entrySet()) {
            byte[] v = p.getValue();
            if (isText(v)) {
                m.put(p.getKey(), new String(v, 0, v.length - 1, java.nio.charset.StandardCharsets.UTF_8));
            } else if (v.length == 4) {
                m.put(p.getKey(), Hex.of(chosen.propertyU32(p.getKey()).getAsLong()));
            } else if (v.length == 8) {
                m.put(p.getKey(), Hex.of(chosen.propertyU64(p.getKey()).getAsLong()));
            } else {
                m.put(p.getKey(), v.length + " bytes");
            }
        }
        return m;
    }

    private static boolean isText(byte[] v) {
        if (v.length < 2 || v[v.length - 1] != 0) return false;
        for (int i = 0; i < v.length - 1; i++) if (v[i] < 0x20 || v[i] > 0x7e) return false;
        return true;
    }
}
