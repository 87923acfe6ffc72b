package efikexec.purgatory.bundle;

import efikexec.purgatory.segment.Segment;
import efikexec.purgatory.segment.SegmentDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * manifest.json's content, schema {@value #SCHEMA}, as plain maps, lists, strings and longs in
 * a fixed key order. purgatory-gen has no JSON library (DESIGN's module table); the cli writes
 * this with its report writer (efikexec.cli.report.JsonText), which takes exactly these types.
 *
 * <pre>
 * { "schema": "efikexec.handoff/1", "arch": "aarch64" | "x86_64",
 *   "entry": "0x…",                                  the stub's address, where the bundle starts
 *   "kernelEntry": {"pc": "0x…", "registers": {"x0": "0x…", …}},
 *   "segments": [{"mem": "0x…", "memsz": "0x…", "bufsz": n, "sha256": "…"}],
 *   "stub": {"address": "0x…", "size": n},
 *   "target": {"ram": [{"start": "0x…", "end": "0x…"}], "reserved": […]} }    see {@link #target}
 * </pre>
 *
 * Addresses and memsz are "0x…" strings (JSON numbers lose 64-bit precision in many readers),
 * counts are numbers, as in run reports. Each sha256 is over the segment's bufsz stored bytes
 * (as kexec-tools' purgatory hashes a segment's buffer); the stub checks that digest and that
 * the memsz - bufsz bytes after them are zero ({@link SegmentDigest}).
 * Registers are ordered by name with numbers compared as numbers (x2 before x10), whatever
 * order the snapshot's map has (Map.copyOf's order changes from one JVM run to the next), so
 * that the same bundle gives the same text.
 */
public final class Manifest {
    public static final String SCHEMA = "efikexec.handoff/1";

    private Manifest() {
    }

    /** The manifest, hashing each segment. */
    public static Map<String, Object> of(TargetArch arch, List<Segment> segments, StubPlacement stub, KernelEntry kernel) {
        List<byte[]> digests = new ArrayList<>();
        for (Segment s : segments) digests.add(SegmentDigest.sha256(s));
        return of(arch, segments, digests, stub, kernel);
    }

    /**
     * The manifest with digests already computed (the stub's parameter block needs the same
     * ones; hashing 50 MB twice would double the time that part of making a bundle takes).
     *
     * @param sha256 one {@link SegmentDigest} per segment, in the same order
     */
    public static Map<String, Object> of(TargetArch arch, List<Segment> segments, List<byte[]> sha256,
            StubPlacement stub, KernelEntry kernel) {
        if (sha256.size() != segments.size()) {
            throw new IllegalArgumentException(sha256.size() + " digests for " + segments.size() + " segments");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("arch", arch.archName());
        m.put("entry", hex(stub.address()));
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("pc", hex(kernel.pc()));
        Map<String, Long> ordered = new TreeMap<>(Manifest::registerOrder);
        ordered.putAll(kernel.registers());
        Map<String, Object> regs = new LinkedHashMap<>();
        ordered.forEach((name, value) -> regs.put(name, hex(value)));
        k.put("registers", regs);
        m.put("kernelEntry", k);
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            if (sha256.get(i).length != SegmentDigest.SIZE) {
                throw new IllegalArgumentException("digest " + i + " has " + sha256.get(i).length + " bytes");
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mem", hex(s.address()));
            e.put("memsz", hex(s.memsz()));
            e.put("bufsz", (long) s.bufsz());
            e.put("sha256", HexFormat.of().formatHex(sha256.get(i)));
            list.add(e);
        }
        m.put("segments", list);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("address", hex(stub.address()));
        st.put("size", stub.size());
        m.put("stub", st);
        return m;
    }

    /**
     * The "target" section: the memory map the bundle was made for, RAM and reserved ranges as
     * {"start": "0x…", "end": "0x…"} (end exclusive). A loader compares it with the machine it
     * runs on (`efikexec load`): a bundle made for another map would hand the new kernel a map
     * that is not its machine's.
     */
    public static Map<String, Object> target(efikexec.memmap.TargetMemory target) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("ram", ranges(target.ram()));
        t.put("reserved", ranges(target.reserved()));
        return t;
    }

    private static List<Object> ranges(List<efikexec.memmap.PhysicalRange> ranges) {
        List<Object> out = new ArrayList<>();
        for (efikexec.memmap.PhysicalRange r : ranges) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("start", hex(r.start()));
            e.put("end", hex(r.end()));
            out.add(e);
        }
        return out;
    }

    /** x2 before x10: a letter prefix compared as text, then a number suffix as a number. */
    static int registerOrder(String a, String b) {
        int pa = digitsFrom(a);
        int pb = digitsFrom(b);
        int c = a.substring(0, pa).compareTo(b.substring(0, pb));
        if (c != 0) return c;
        boolean na = pa < a.length();
        boolean nb = pb < b.length();
        if (na && nb) {
            c = Long.compare(Long.parseLong(a.substring(pa)), Long.parseLong(b.substring(pb)));
            if (c != 0) return c;
        }
        return a.compareTo(b);
    }

    /** Where the string's all-digit suffix starts (its length if there is none). */
    private static int digitsFrom(String s) {
        int i = s.length();
        while (i > 0 && Character.isDigit(s.charAt(i - 1))) i--;
        // a suffix of more than 18 digits would not parse as a long: compare it as text instead
        return s.length() - i > 18 ? s.length() : i;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
