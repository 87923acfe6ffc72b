package efikexec.cli.handoff;

import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.model.fdt.FdtRange;
import java.util.List;
import java.util.Optional;

/**
 * The PL011 the handoff stub reports a mismatch on: the target device tree's console
 * (/chosen stdout-path, else the first "arm,pl011" node). Without one the stub halts silently.
 */
public final class ConsoleUart {
    private ConsoleUart() {
    }

    /** The UART's MMIO base, or 0 when the device tree names none. */
    public static long pl011Base(byte[] dtb) {
        if (dtb == null) return 0;
        Fdt fdt = Fdt.parse(dtb);
        Optional<FdtNode> chosen = fdt.node("/chosen");
        Optional<String> stdout = chosen.flatMap(c -> c.propertyString("stdout-path"));
        if (stdout.isPresent()) {
            String path = stdout.get().split(":", 2)[0];
            Optional<FdtNode> node = path.startsWith("/") ? fdt.node(path) : Optional.empty();
            if (node.isPresent() && isPl011(node.get())) return base(node.get());
        }
        return find(fdt.root());
    }

    private static long find(FdtNode n) {
        if (isPl011(n)) return base(n);
        for (FdtNode c : n.children()) {
            long b = find(c);
            if (b != 0) return b;
        }
        return 0;
    }

    private static boolean isPl011(FdtNode n) {
        return n.propertyStrings("compatible").contains("arm,pl011");
    }

    private static long base(FdtNode n) {
        List<FdtRange> reg = n.reg();
        return reg.isEmpty() ? 0 : reg.get(0).address();
    }
}
