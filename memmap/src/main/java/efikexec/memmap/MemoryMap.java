package efikexec.memmap;

import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The EFI memory map of the target, which is at the same time the page allocator's state (as
 * in efiloader's memmap.rs): there is no second structure that could disagree with what
 * GetMemoryMap reports, so the map the kernel receives is exactly what was handed out.
 *
 * <p>Invariants, held after every change: descriptors sorted by address, non-overlapping,
 * 4 KiB aligned, each of at least one page, and adjacent descriptors with the same type and
 * attribute merged — the form UEFI asks for and the kernel's e820 conversion expects. The map
 * describes RAM only: every descriptor lies in the target's RAM, so "covered by the map" and
 * "is RAM" are the same question.
 *
 * <p>Addresses are non-negative longs: physical addresses at or above 2^63 do not exist on
 * the machines we target, and keeping them out lets the arithmetic stay signed.
 *
 * <p>Not thread-safe: one firmware instance, driven by one emulator thread, owns a map.
 */
public final class MemoryMap {
    public static final int PAGE_SHIFT = 12;
    /** The EFI page: 4 KiB on every architecture, whatever the CPU's own page size. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /**
     * Bytes per descriptor we report: 48 as edk2, not the 40 of the C struct, so that a payload
     * that wrongly assumes sizeof(EFI_MEMORY_DESCRIPTOR) fails here as it would on real
     * firmware instead of passing by luck.
     */
    public static final int DESCRIPTOR_SIZE = 48;
    public static final int DESCRIPTOR_VERSION = 1;
    /** The fields of EFI_MEMORY_DESCRIPTOR; a descriptor size must hold at least these. */
    public static final int DESCRIPTOR_FIELDS_SIZE = 40;
    /**
     * Headroom added to the size reported with BUFFER_TOO_SMALL. Every stub asks with size 0,
     * allocates a pool of the size it was told, and asks again; that pool allocation splits a
     * free range and so adds up to two descriptors (edk2 and the kernel's own retry loop pad
     * for the same reason).
     */
    public static final int EXTRA_DESCRIPTORS_WHEN_TOO_SMALL = 2;

    private static final int CONVENTIONAL = MemoryType.CONVENTIONAL.value();
    private static final int RESERVED = MemoryType.RESERVED.value();

    /** Immutable; replaced as a whole on each change so readers can hold on to it. */
    private List<MemoryDescriptor> descriptors;
    private long mapKey;

    private MemoryMap(List<MemoryDescriptor> descriptors) {
        this.descriptors = List.copyOf(descriptors);
    }

    /**
     * The map before any allocation. RAM is rounded inwards to whole pages because a partial
     * page is not ours to hand out (a real e820 map ends its first range at 0x9fbff); reserved
     * ranges are rounded outwards because any page they touch must never be handed out. Reserved
     * ranges are described also where they lie outside RAM (BIOS area, MMIO windows, firmware
     * flash), as EfiReservedMemoryType: firmware's map shows them, and the x86 stub builds the
     * kernel's e820 table from this map, which must keep the target's reserved ranges.
     *
     * @throws IllegalArgumentException if RAM reaches 2^63 or above
     */
    public static MemoryMap fromTarget(TargetMemory target) {
        List<MemoryDescriptor> list = new ArrayList<>();
        for (PhysicalRange r : unionOf(target.ram())) {
            long start = alignUp(r.start());
            long end = alignDown(r.end());
            if (start >= 0 && end > start) {
                list.add(new MemoryDescriptor(CONVENTIONAL, start, (end - start) >>> PAGE_SHIFT,
                        MemoryAttributes.forType(CONVENTIONAL)));
            }
        }
        for (PhysicalRange r : target.reserved()) {
            if (r.size() == 0 || r.start() < 0) continue; // empty, or above every RAM range
            long start = alignDown(r.start());
            long end = r.end() < 0 || r.end() > Long.MAX_VALUE - PAGE_SIZE
                    ? alignDown(Long.MAX_VALUE) : alignUp(r.end());
            // The parts inside RAM are retyped descriptor by descriptor (RAM may have holes)…
            long covered = start;
            List<MemoryDescriptor> outside = new ArrayList<>();
            for (MemoryDescriptor d : List.copyOf(list)) {
                long s = Math.max(start, d.physicalStart());
                long e = Math.min(end, d.end());
                if (e > s) list = retyped(list, s, e, RESERVED);
                // …and the gaps between them become reserved descriptors of their own.
                if (d.physicalStart() > covered && covered < end) {
                    long gapEnd = Math.min(end, d.physicalStart());
                    outside.add(new MemoryDescriptor(RESERVED, covered, (gapEnd - covered) >>> PAGE_SHIFT,
                            MemoryAttributes.forType(RESERVED)));
                }
                covered = Math.max(covered, Math.min(end, d.end()));
            }
            if (covered < end) {
                outside.add(new MemoryDescriptor(RESERVED, covered, (end - covered) >>> PAGE_SHIFT,
                        MemoryAttributes.forType(RESERVED)));
            }
            if (!outside.isEmpty()) {
                outside.addAll(list);
                outside.sort(Comparator.comparingLong(MemoryDescriptor::physicalStart));
                list = merged(outside);
            }
        }
        return new MemoryMap(list);
    }

    /** The RAM ranges sorted and joined where they touch, so rounding inwards loses no page. */
    private static List<PhysicalRange> unionOf(List<PhysicalRange> ranges) {
        List<PhysicalRange> sorted = new ArrayList<>(ranges);
        sorted.removeIf(r -> r.size() == 0);
        for (PhysicalRange r : sorted) {
            if (r.start() < 0 || r.end() < r.start()) {
                throw new IllegalArgumentException("RAM at or above 2^63 is not supported: " + r);
            }
        }
        sorted.sort(Comparator.naturalOrder());
        List<PhysicalRange> out = new ArrayList<>();
        for (PhysicalRange r : sorted) {
            PhysicalRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && r.start() <= last.end()) {
                long end = Math.max(last.end(), r.end());
                out.set(out.size() - 1, new PhysicalRange(last.start(), end - last.start()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * A counter bumped by every change to the map and by nothing else: ExitBootServices
     * compares it with the key the payload got from GetMemoryMap to tell whether the payload's
     * copy is still current, so a read must never bump it and a no-op must not either.
     */
    public long mapKey() {
        return mapKey;
    }

    /** The descriptors in address order; an immutable list, not a live view. */
    public List<MemoryDescriptor> descriptors() {
        return descriptors;
    }

    /** The descriptor holding this address, or null when the address is not in RAM. */
    public MemoryDescriptor find(long address) {
        for (MemoryDescriptor d : descriptors) {
            if (d.contains(address)) return d;
            if (d.physicalStart() > address) break;
        }
        return null;
    }

    /** Whether [start, start + pages pages) lies entirely in RAM, whatever its types. */
    public boolean covers(long start, long pages) {
        long end = endOf(start, pages);
        if (end < 0) return false;
        long pos = start;
        for (MemoryDescriptor d : descriptors) {
            if (d.end() <= pos) continue;
            if (d.physicalStart() > pos) return false;
            pos = d.end();
            if (pos >= end) return true;
        }
        return false;
    }

    /** The descriptors overlapping [start, start + pages pages), in address order. */
    public List<MemoryDescriptor> overlapping(long start, long pages) {
        long end = endOf(start, pages);
        List<MemoryDescriptor> out = new ArrayList<>();
        if (end < 0) return out;
        for (MemoryDescriptor d : descriptors) {
            if (d.end() > start && d.physicalStart() < end) out.add(d);
        }
        return out;
    }

    /**
     * Gives [start, start + pages pages) the type {@code newType}: splits the descriptors at the
     * edges, retypes, merges with equal neighbours, and bumps the key if anything changed. This
     * is the single way the map changes; allocation and free are policies on top of it, and it
     * checks only that the range is RAM, not what it was before.
     *
     * @throws IllegalArgumentException if the range is empty, unaligned, or not entirely RAM
     */
    public void convert(long start, long pages, MemoryType newType) {
        convert(start, pages, newType.value());
    }

    /**
     * {@link #convert(long, long, MemoryType)} for a raw EFI type value, so OEM/OS types a payload
     * allocated reach the map unchanged.
     *
     * @throws IllegalArgumentException also if the value is neither a defined type nor OEM/OS
     */
    public void convert(long start, long pages, int newTypeValue) {
        if (MemoryType.fromValue(Integer.toUnsignedLong(newTypeValue)) == null
                && !MemoryDescriptor.isOemOrOsType(newTypeValue)) {
            throw new IllegalArgumentException(String.format("undefined memory type 0x%x", newTypeValue));
        }
        if (pages <= 0 || start < 0 || (start & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("bad range 0x%x + %d pages", start, pages));
        }
        if (!covers(start, pages)) {
            throw new IllegalArgumentException(
                    String.format("[0x%x + %d pages) is not entirely RAM", start, pages));
        }
        List<MemoryDescriptor> next = retyped(descriptors, start, endOf(start, pages), newTypeValue);
        if (!next.equals(descriptors)) {
            descriptors = List.copyOf(next);
            mapKey++;
        }
    }

    /** The list with [start, end) retyped and merged; the range is known to be covered. */
    private static List<MemoryDescriptor> retyped(List<MemoryDescriptor> in, long start, long end, int type) {
        List<MemoryDescriptor> out = new ArrayList<>(in.size() + 2);
        for (MemoryDescriptor d : in) {
            if (d.end() <= start || d.physicalStart() >= end) {
                out.add(d);
                continue;
            }
            if (d.physicalStart() < start) out.add(slice(d, d.physicalStart(), start));
            long s = Math.max(d.physicalStart(), start);
            long e = Math.min(d.end(), end);
            out.add(new MemoryDescriptor(type, s, (e - s) >>> PAGE_SHIFT, MemoryAttributes.forType(type)));
            if (d.end() > end) out.add(slice(d, end, d.end()));
        }
        return merged(out);
    }

    private static MemoryDescriptor slice(MemoryDescriptor d, long start, long end) {
        return new MemoryDescriptor(d.typeValue(), start, (end - start) >>> PAGE_SHIFT, d.attribute());
    }

    private static List<MemoryDescriptor> merged(List<MemoryDescriptor> in) {
        List<MemoryDescriptor> out = new ArrayList<>(in.size());
        for (MemoryDescriptor d : in) {
            MemoryDescriptor last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.end() == d.physicalStart() && last.typeValue() == d.typeValue()
                    && last.attribute() == d.attribute()) {
                out.set(out.size() - 1, new MemoryDescriptor(last.typeValue(), last.physicalStart(),
                        last.numberOfPages() + d.numberOfPages(), last.attribute()));
            } else {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * What GetMemoryMap returns for a caller whose buffer holds {@code bufferSize} bytes (read as
     * unsigned, as the guest's UINTN is). A pure read: it neither changes the map nor its key.
     * The size is reported also when the buffer is too small, as U-Boot does (efiloader reports
     * it only for size 0, which breaks callers that guess a size first).
     */
    public MemoryMapSnapshot snapshot(long bufferSize) {
        long needed = (long) descriptors.size() * DESCRIPTOR_SIZE;
        if (Long.compareUnsigned(bufferSize, needed) < 0) {
            long withRoom = needed + (long) EXTRA_DESCRIPTORS_WHEN_TOO_SMALL * DESCRIPTOR_SIZE;
            return new MemoryMapSnapshot(EfiStatus.BUFFER_TOO_SMALL, withRoom, new byte[0], mapKey,
                    DESCRIPTOR_SIZE, DESCRIPTOR_VERSION);
        }
        return new MemoryMapSnapshot(EfiStatus.SUCCESS, needed, encode(DESCRIPTOR_SIZE), mapKey,
                DESCRIPTOR_SIZE, DESCRIPTOR_VERSION);
    }

    /**
     * The map as an array of UEFI EFI_MEMORY_DESCRIPTORs, little-endian: u32 Type, u32 padding,
     * u64 PhysicalStart, u64 VirtualStart (0: nothing is virtually mapped before
     * SetVirtualAddressMap), u64 NumberOfPages, u64 Attribute, zeros up to the descriptor size.
     *
     * @throws IllegalArgumentException if the size cannot hold the fields or is not a multiple
     *     of 8 (the u64 fields of every descriptor must stay naturally aligned)
     */
    public byte[] encode(int descriptorSize) {
        checkDescriptorSize(descriptorSize);
        ByteBuffer b = ByteBuffer.allocate(descriptors.size() * descriptorSize).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < descriptors.size(); i++) {
            MemoryDescriptor d = descriptors.get(i);
            int at = i * descriptorSize;
            b.putInt(at, d.typeValue());
            b.putLong(at + 8, d.physicalStart());
            b.putLong(at + 16, 0);
            b.putLong(at + 24, d.numberOfPages());
            b.putLong(at + 32, d.attribute());
        }
        return b.array();
    }

    /**
     * Reads {@code count} descriptors of {@code descriptorSize} bytes: for tests, and for
     * reports on maps the guest handed on (the kernel's boot memmap table). VirtualStart is
     * dropped; nothing is validated, so a broken map can still be shown.
     */
    public static List<MemoryDescriptor> decode(byte[] bytes, int count, int descriptorSize) {
        checkDescriptorSize(descriptorSize);
        if (count < 0 || (long) count * descriptorSize > bytes.length) {
            throw new IllegalArgumentException(String.format(
                    "%d descriptors of %d bytes do not fit in %d bytes", count, descriptorSize, bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<MemoryDescriptor> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = i * descriptorSize;
            out.add(new MemoryDescriptor(b.getInt(at), b.getLong(at + 8), b.getLong(at + 24), b.getLong(at + 32)));
        }
        return List.copyOf(out);
    }

    private static void checkDescriptorSize(int size) {
        if (size < DESCRIPTOR_FIELDS_SIZE || size % 8 != 0) {
            throw new IllegalArgumentException("bad descriptor size " + size);
        }
    }

    /** The end of [start, start + pages pages), or -1 if it does not fit below 2^63. */
    private static long endOf(long start, long pages) {
        if (start < 0 || pages < 0 || pages > (Long.MAX_VALUE - start) >>> PAGE_SHIFT) return -1;
        return start + (pages << PAGE_SHIFT);
    }

    private static long alignUp(long a) {
        return (a + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    private static long alignDown(long a) {
        return a & -PAGE_SIZE;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MemoryMap key ").append(mapKey);
        for (MemoryDescriptor d : descriptors) sb.append("\n  ").append(d);
        return sb.toString();
    }
}
