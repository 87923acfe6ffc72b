package efikexec.kexec.host;

import efikexec.memmap.PhysicalRange;
import efikexec.model.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * /proc/iomem: the running kernel's resource tree, one "START-END : NAME" per line (END
 * inclusive, hexadecimal), children indented by two spaces per level. Only what kexec needs
 * from it is kept: every "Crash kernel" range (a child of System RAM, memory the crash kernel
 * owns: a normal kexec must not load there); RAM itself comes from the firmware's map. Without
 * CAP_SYS_ADMIN the kernel prints every address as 0: {@link #addressesHidden()} says so.
 */
public record IoMem(List<PhysicalRange> crashKernel, boolean addressesHidden) {
    public IoMem {
        crashKernel = List.copyOf(crashKernel);
    }

    public static final String FIELD = "/proc/iomem line";

    public static IoMem parse(String text) {
        List<PhysicalRange> crash = new ArrayList<>();
        boolean anyAddress = false;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') indent++;
            int colon = line.indexOf(" : ", indent);
            int dash = line.indexOf('-', indent);
            if (colon < 0 || dash < 0 || dash > colon) {
                throw new FormatException(FIELD + " " + lineNo, 0, "\"" + line.strip()
                        + "\" is not START-END : NAME: expected a copy of /proc/iomem");
            }
            long start = hex(line.substring(indent, dash), lineNo);
            long end = hex(line.substring(dash + 1, colon), lineNo);
            if (Long.compareUnsigned(end, start) < 0) {
                throw new FormatException(FIELD + " " + lineNo, 0, String.format("end 0x%x below start 0x%x", end, start));
            }
            if (start != 0 || end != 0) anyAddress = true;
            String name = line.substring(colon + 3).strip();
            PhysicalRange r = new PhysicalRange(start, end - start + 1);
            if (name.equals("Crash kernel")) crash.add(r);
        }
        return new IoMem(crash, !anyAddress && lineNo > 1);
    }

    private static long hex(String s, int lineNo) {
        try {
            return Long.parseUnsignedLong(s.strip(), 16);
        } catch (NumberFormatException e) {
            throw new FormatException(FIELD + " " + lineNo, 0, "\"" + s.strip() + "\" is not a hexadecimal address");
        }
    }
}
