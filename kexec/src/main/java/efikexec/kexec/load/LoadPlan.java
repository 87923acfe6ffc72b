package efikexec.kexec.load;

import efikexec.kexec.bundle.HandoffBundle;
import efikexec.kexec.bundle.LoadSegment;
import efikexec.kexec.syscall.KexecSegmentTable;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A bundle checked against this machine, ready for kexec_load(2): {@link #check} refuses with
 * one line unless every segment is page aligned, within kexec's 16, inside this machine's RAM and
 * outside its reserved and crash-kernel ranges, not overlapping another, the entry lies inside a
 * segment, the segments take at most half of RAM (kexec_load's own limit), and the bundle was made
 * for exactly this machine's memory map (a bundle hands the new kernel the map it was made for).
 *
 * @param bundle the bundle
 * @param segments kexec_load's entries, buf = offset in handoff.elf
 */
public record LoadPlan(HandoffBundle bundle, List<KexecSegmentTable.Entry> segments) {
    public static final long PAGE = 4096;

    public static LoadPlan check(HandoffBundle bundle, String hostArch, TargetMemory host) {
        String elf = bundle.elfPath().toString();
        if (!bundle.arch().equals(hostArch)) {
            throw new WrongMachineException(elf + ": a bundle for " + bundle.arch() + ", this machine is " + hostArch);
        }
        // memsz to whole pages, as kexec-tools does: the stub's PT_LOAD is as long as the stub
        List<LoadSegment> loads = bundle.loads().stream()
                .map(l -> new LoadSegment(l.mem(), (l.memsz() + PAGE - 1) & -PAGE, l.fileOffset(), l.bufsz())).toList();
        if (loads.size() > KexecSegmentTable.MAX_SEGMENTS) {
            throw new LoadRefusedException(elf + ": " + loads.size() + " PT_LOADs, kexec_load(2) takes at most "
                    + KexecSegmentTable.MAX_SEGMENTS + " segments");
        }
        for (int i = 0; i < loads.size(); i++) {
            LoadSegment l = loads.get(i);
            if ((l.mem() & (PAGE - 1)) != 0 || l.memsz() == 0) {
                throw new LoadRefusedException(String.format("%s: segment %d %s: kexec_load(2) needs it to start on a "
                        + "4 KiB page and hold at least one", elf, i, l));
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < loads.size(); i++) order.add(i);
        order.sort(Comparator.comparing(i -> loads.get(i).mem(), Long::compareUnsigned));
        for (int k = 1; k < order.size(); k++) {
            LoadSegment a = loads.get(order.get(k - 1));
            LoadSegment b = loads.get(order.get(k));
            if (Long.compareUnsigned(b.mem(), a.end()) < 0) {
                throw new LoadRefusedException(String.format("%s: segments %d %s and %d %s overlap", elf, order.get(k - 1), a,
                        order.get(k), b));
            }
        }
        if (bundle.target() == null) {
            throw new LoadRefusedException(bundle.elfPath().resolveSibling(HandoffBundle.MANIFEST)
                    + ": no target memory map (a bundle from an older efikexec): cannot tell it was made for this machine; "
                    + "make it again with --host");
        }
        String differs = difference(bundle.target(), host);
        if (differs != null) {
            throw new WrongMachineException(bundle.elfPath().resolveSibling(HandoffBundle.MANIFEST)
                    + ": made for another machine: " + differs + "; make it on this one with --host");
        }
        long ram = 0;
        for (PhysicalRange r : host.ram()) ram += r.size();
        for (int i = 0; i < loads.size(); i++) {
            LoadSegment l = loads.get(i);
            PhysicalRange seg = new PhysicalRange(l.mem(), l.memsz());
            if (host.ram().stream().noneMatch(r -> Long.compareUnsigned(r.start(), seg.start()) <= 0
                    && Long.compareUnsigned(seg.end(), r.end()) <= 0)) {
                throw new LoadRefusedException(String.format("%s: segment %d %s is not inside this machine's RAM "
                        + "(/sys/firmware/memmap or /sys/firmware/fdt): it would be MMIO or nothing", elf, i, l));
            }
            for (PhysicalRange r : host.reserved()) {
                if (r.overlaps(seg)) {
                    throw new LoadRefusedException(String.format("%s: segment %d %s overlaps this machine's reserved range %s",
                            elf, i, l, r));
                }
            }
        }
        if (loads.stream().noneMatch(l -> l.contains(bundle.entry()))) {
            throw new LoadRefusedException(String.format("%s: entry 0x%x lies outside every segment", elf, bundle.entry()));
        }
        long total = loads.stream().mapToLong(LoadSegment::memsz).sum();
        if (total > ram / 2) {
            throw new LoadRefusedException(String.format("%s: the segments take 0x%x bytes, more than half of this "
                    + "machine's 0x%x bytes of RAM (kexec_load's limit)", elf, total, ram));
        }
        List<KexecSegmentTable.Entry> entries = new ArrayList<>();
        for (LoadSegment l : loads) entries.add(new KexecSegmentTable.Entry(l.fileOffset(), l.bufsz(), l.mem(), l.memsz()));
        return new LoadPlan(bundle, entries);
    }

    /** The first difference between the bundle's map and this machine's, or null when they are equal. */
    static String difference(TargetMemory bundle, TargetMemory host) {
        String ram = listDifference("RAM", bundle.ram(), host.ram());
        return ram != null ? ram : listDifference("reserved", bundle.reserved(), host.reserved());
    }

    private static String listDifference(String what, List<PhysicalRange> bundle, List<PhysicalRange> host) {
        for (PhysicalRange r : bundle) {
            if (!host.contains(r)) return "its " + what + " range " + r + " is not this machine's";
        }
        for (PhysicalRange r : host) {
            if (!bundle.contains(r)) return "this machine's " + what + " range " + r + " is not in it";
        }
        return null;
    }

    /** What --dry-run prints: one line per segment, then the call. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            KexecSegmentTable.Entry e = segments.get(i);
            lines.add(String.format("segment %2d: mem 0x%x memsz 0x%x bufsz %d%s", i, e.mem(), e.memsz(), e.bufsz(),
                    bundle.loads().get(i).contains(bundle.entry()) ? " (entry 0x" + Long.toHexString(bundle.entry()) + ")" : ""));
        }
        lines.add(String.format("kexec_load(entry 0x%x, %d segments, KEXEC_ARCH_DEFAULT)", bundle.entry(), segments.size()));
        return lines;
    }
}
