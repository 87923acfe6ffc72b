package efikexec.pe.uki;

import efikexec.pe.PeImage;
import efikexec.pe.PeSection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SBAT (shim's revocation data: one CSV line per component and generation) merged as ukify merges
 * it: one "sbat,1" header line, then the component lines of the stub's and the kernel's .sbat
 * sections, then the UKI's own line. Shim and systemd-boot refuse an image whose generations are
 * revoked, so dropping the stub's or kernel's lines would hide them from revocation.
 */
public final class Sbat {
    public static final String HEADER = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md";
    public static final String UKI_LINE = "uki,1,UKI,uki,1,https://uapi-group.org/specifications/specs/unified_kernel_image/";

    private Sbat() {
    }

    /** The component lines (header dropped) of an image's .sbat section; none when it has no valid one. */
    public static List<String> componentLines(PeImage pe, byte[] file) {
        Optional<PeSection> s = pe.section(".sbat");
        if (s.isEmpty()) return List.of();
        PeSection sec = s.get();
        int len = (int) Math.min(sec.fileBackedSize(), file.length - sec.pointerToRawData());
        String text = new String(file, (int) sec.pointerToRawData(), Math.max(len, 0), StandardCharsets.UTF_8);
        int nul = text.indexOf('\0');
        if (nul >= 0) text = text.substring(0, nul);
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (lines.isEmpty() || !lines.get(0).startsWith("sbat,")) return List.of();
        return lines.subList(1, lines.size());
    }

    /** The merged section: header, the inputs' component lines in order, the UKI line, NUL-terminated. */
    public static byte[] merge(List<List<String>> components) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (List<String> lines : components) for (String l : lines) b.append(l).append('\n');
        b.append(UKI_LINE).append('\n').append('\0');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
