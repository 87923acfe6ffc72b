package efikexec.memmap.source;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An x86 target's memory from its e820 table ({@code --memmap FILE|DIR}), in either of the two
 * forms a running Linux shows it:
 * <ul>
 * <li>{@link #parse(String) the kernel log}: the {@code BIOS-e820: [mem 0xSTART-0xEND] TYPE}
 *     lines that dmesg, {@code journalctl -k} or a serial console show at boot, with or without
 *     timestamps or other prefixes; every other line is ignored, so a whole boot log will do.
 * <li>{@link #readSysfs(Path) a copy of /sys/firmware/memmap}: subdirectories 0, 1, 2… each
 *     holding {@code start}, {@code end} and {@code type}. This is the firmware's table as the
 *     kernel received it, before boot parameters changed it: the one kexec-tools hands on too.
 * </ul>
 * End addresses are inclusive in both. RAM is what e820 calls usable ("usable", "System RAM");
 * everything else is reserved: device and firmware areas, ACPI tables and NVS (RAM the
 * firmware keeps: it must never be handed out), unusable, persistent and soft-reserved
 * memory, and any type this class does not know.
 *
 * <p>Ranges are kept as given, not rounded to pages (a real table ends its first usable range
 * at 0x9fbff): {@link efikexec.memmap.MemoryMap#fromTarget} rounds RAM inwards and reserved
 * ranges outwards. Usable ranges that overlap or touch are joined, as the kernel's own
 * sanitizing does; reserved ranges are kept as given, exact duplicates removed, and may overlap
 * RAM (reserved then wins). Both lists are sorted by start address.
 *
 * <p>Errors are {@link FormatException}s: for the log, field {@code "e820 line N"} (N counted
 * from 1) and the character offset of that line in the text; for sysfs, the field is the file
 * relative to the directory ({@code "3/end"}) and the offset a position in that file.
 */
public final class E820MemorySource {
    /** What marks a line of the kernel's e820 table in its log. */
    public static final String TAG = "BIOS-e820:";

    /** The field of errors about the text or the table as a whole. */
    public static final String TABLE_FIELD = "e820 table";

    /** The field of errors about a sysfs dump as a whole. */
    public static final String ENTRIES_FIELD = "memmap entries";

    /** Text or sysfs files larger than this are refused: no kernel log comes near it. */
    public static final long MAX_TEXT_BYTES = 64L << 20;

    /** A sysfs start/end/type file is one short line. */
    private static final int MAX_SYSFS_FILE_BYTES = 4096;

    /**
     * The table QEMU's q35 machine with 1 GiB of RAM ({@code -M q35 -m 1024}, SeaBIOS) gives,
     * as a Debian bookworm 6.1 guest logs it at boot. The default x86 target.
     */
    public static final String Q35_1G_DMESG = """
            [    0.000000] BIOS-provided physical RAM map:
            [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
            [    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
            [    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
            [    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable
            [    0.000000] BIOS-e820: [mem 0x000000003ffe0000-0x000000003fffffff] reserved
            [    0.000000] BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] reserved
            [    0.000000] BIOS-e820: [mem 0x00000000fed1c000-0x00000000fed1ffff] reserved
            [    0.000000] BIOS-e820: [mem 0x00000000feffc000-0x00000000feffffff] reserved
            [    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
            """;

    /** {@code [mem 0xSTART-0xEND] TYPE}, as e820__print_table writes it (%#018Lx, inclusive end). */
    private static final Pattern MEM = Pattern.compile(
            "\\[mem\\s+0[xX]([0-9a-fA-F]+)\\s*-\\s*0[xX]([0-9a-fA-F]+)\\s*\\](.*)");
    /** The format before Linux 3.x: {@code 0000000000000000 - 000000000009fc00 (usable)}, exclusive end. */
    private static final Pattern OLD = Pattern.compile("[0-9a-fA-F]{8,16}\\s+-\\s+[0-9a-fA-F]{8,16}\\b.*");
    private static final Pattern UNUSABLE = Pattern.compile("(?i)\\bunusable\\b");
    private static final Pattern USABLE = Pattern.compile("(?i)\\busable\\b|\\bSystem RAM\\b");
    private static final Pattern RESERVED = Pattern.compile(
            "(?i)\\breserved\\b|\\bACPI\\b|\\bpersistent\\b|\\btype\\s+\\d+\\b");
    private static final Pattern SYSFS_ENTRY = Pattern.compile("[0-9]{1,9}");

    private E820MemorySource() {
    }

    /**
     * The table in a kernel log. Lines holding {@value #TAG} are the table; Linux 7's
     * {@code BIOS-e820: [gap …]} lines between entries are skipped, every other line is ignored.
     * The kernel prints its table sorted, so a line starting below the one before is an error:
     * that is what a log of several boots looks like.
     *
     * @throws FormatException for an e820 line that does not parse (field "e820 line N", offset
     *     of the line), or a text with no e820 line or no usable range (field "e820 table")
     */
    public static TargetMemory parse(String text) {
        List<PhysicalRange> ram = new ArrayList<>();
        TreeSet<PhysicalRange> reserved = new TreeSet<>();
        int lines = 0;
        long previousStart = 0;
        int previousLine = 0;
        int at = 0;
        for (int number = 1; at <= text.length(); number++) {
            int newline = text.indexOf('\n', at);
            int lineEnd = newline < 0 ? text.length() : newline;
            String line = text.substring(at, lineEnd);
            int tag = line.indexOf(TAG);
            if (tag >= 0) {
                String field = "e820 line " + number;
                String rest = line.substring(tag + TAG.length()).strip();
                if (!rest.startsWith("[gap")) {
                    Entry e = entry(rest, field, at);
                    long start = e.range().start();
                    if (lines > 0 && Long.compareUnsigned(start, previousStart) < 0) {
                        throw new FormatException(field, at, String.format(
                                "range starting at 0x%x comes after one starting at 0x%x (line %d): the kernel "
                                        + "prints its table sorted, so this looks like the log of more than one "
                                        + "boot; give the lines of one boot (journalctl -k -b)",
                                start, previousStart, previousLine));
                    }
                    (e.ram() ? ram : reserved).add(e.range());
                    previousStart = start;
                    previousLine = number;
                    lines++;
                }
            }
            if (newline < 0) break;
            at = newline + 1;
        }
        if (lines == 0) {
            throw new FormatException(TABLE_FIELD, 0, "no '" + TAG + " [mem 0x…-0x…] TYPE' line: expected the "
                    + "kernel's e820 table as its log shows it (dmesg | grep BIOS-e820) or a copy of /sys/firmware/memmap");
        }
        if (ram.isEmpty()) {
            throw new FormatException(TABLE_FIELD, 0, "no usable range among " + lines
                    + " e820 lines: expected at least one RAM range");
        }
        return new TargetMemory(joined(ram), new ArrayList<>(reserved));
    }

    private record Entry(PhysicalRange range, boolean ram) {
    }

    /** One e820 line after its tag. */
    private static Entry entry(String rest, String field, long offset) {
        Matcher m = MEM.matcher(rest);
        if (!m.matches()) {
            if (OLD.matcher(rest).matches()) {
                throw new FormatException(field, offset, "\"" + rest + "\" is the e820 format of kernels before 3.x "
                        + "(exclusive end addresses), which is not read: give a copy of /sys/firmware/memmap instead");
            }
            throw new FormatException(field, offset,
                    "expected '[mem 0xSTART-0xEND] TYPE' after '" + TAG + "', found \"" + rest + "\"");
        }
        long start = hex(m.group(1), "start", field, offset);
        long end = hex(m.group(2), "end", field, offset);
        String type = m.group(3).strip();
        if (type.isEmpty()) {
            throw new FormatException(field, offset, "no type after the range: expected usable, reserved, ACPI data, …");
        }
        Boolean ram = isRam(type);
        if (ram == null) {
            throw new FormatException(field, offset, "unknown e820 type \"" + type + "\": expected usable, reserved, "
                    + "soft reserved, ACPI data, ACPI NVS, unusable, persistent (type N) or type N");
        }
        return new Entry(range(start, end, field, offset), ram);
    }

    /**
     * TRUE for RAM, FALSE for a type that is known not to be, null for text that names no type.
     * Matched on words rather than whole strings so that newer kernels' wordings ("device
     * reserved", "persistent RAM (type 7)", a size column) still read.
     */
    private static Boolean isRam(String type) {
        if (UNUSABLE.matcher(type).find()) return false;
        if (USABLE.matcher(type).find()) return true;
        if (RESERVED.matcher(type).find()) return false;
        return null;
    }

    private static long hex(String digits, String what, String field, long offset) {
        String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 16) {
            throw new FormatException(field, offset, what + " 0x" + digits + " does not fit in 64 bits");
        }
        return Long.parseUnsignedLong(significant, 16);
    }

    /** [start, end] with an inclusive end, as a PhysicalRange. */
    private static PhysicalRange range(long start, long end, String field, long offset) {
        if (Long.compareUnsigned(end, start) < 0) {
            throw new FormatException(field, offset, String.format(
                    "end 0x%x is below start 0x%x: expected an inclusive end at or above the start", end, start));
        }
        if (end == -1L) {
            throw new FormatException(field, offset, String.format(
                    "range 0x%x-0x%x reaches the last byte below 2^64: expected a range that ends below it",
                    start, end));
        }
        long size = end - start + 1;
        if (size < 0) {
            throw new FormatException(field, offset, String.format(
                    "range 0x%x-0x%x is 2^63 bytes or more: expected the size of physical memory", start, end));
        }
        return new PhysicalRange(start, size);
    }

    /** Sorted, with ranges that overlap or touch joined into one. */
    private static List<PhysicalRange> joined(List<PhysicalRange> ranges) {
        List<PhysicalRange> sorted = new ArrayList<>(ranges);
        sorted.sort(null);
        List<PhysicalRange> out = new ArrayList<>();
        for (PhysicalRange r : sorted) {
            PhysicalRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && Long.compareUnsigned(r.start(), last.end()) <= 0) {
                long end = Long.compareUnsigned(r.end(), last.end()) > 0 ? r.end() : last.end();
                if (end - last.start() < 0) {
                    throw new FormatException(TABLE_FIELD, 0, String.format(
                            "usable ranges from 0x%x to 0x%x span 2^63 bytes or more", last.start(), end));
                }
                out.set(out.size() - 1, new PhysicalRange(last.start(), end - last.start()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The table in a copy of /sys/firmware/memmap (or that directory itself): every
     * subdirectory named by a number holds {@code start} and {@code end} (inclusive), each
     * {@code 0x…} hexadecimal on one line, and {@code type} ("System RAM", "Reserved", "ACPI
     * Tables", "ACPI Non-volatile Storage", "Unusable memory", "Persistent Memory", "Soft
     * Reserved", …). "System RAM" is RAM, every other type reserved. Other files and
     * subdirectories are ignored; the numbering may have gaps (memory hot-remove leaves them).
     *
     * @throws FormatException naming the file ("3/end") when one is missing, too large, or not
     *     what it should hold; field "memmap entries" when there is no entry or no System RAM
     * @throws IOException when the directory or a file cannot be read
     */
    public static TargetMemory readSysfs(Path dir) throws IOException {
        TreeMap<Integer, Path> entries = new TreeMap<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                String name = child.getFileName().toString();
                if (SYSFS_ENTRY.matcher(name).matches() && Files.isDirectory(child)) {
                    entries.put(Integer.parseInt(name), child);
                }
            }
        }
        if (entries.isEmpty()) {
            throw new FormatException(ENTRIES_FIELD, 0, "no subdirectory 0, 1, 2… with start, end and type: "
                    + "expected a copy of /sys/firmware/memmap");
        }
        List<PhysicalRange> ram = new ArrayList<>();
        TreeSet<PhysicalRange> reserved = new TreeSet<>();
        for (var e : entries.entrySet()) {
            String name = e.getValue().getFileName().toString();
            long start = sysfsHex(e.getValue(), name, "start");
            long end = sysfsHex(e.getValue(), name, "end");
            PhysicalRange r = range(start, end, name + "/end", 0);
            String type = sysfsType(e.getValue(), name);
            (type.equals("System RAM") ? ram : reserved).add(r);
        }
        if (ram.isEmpty()) {
            throw new FormatException(ENTRIES_FIELD, 0, "none of the " + entries.size()
                    + " entries has type \"System RAM\": expected at least one RAM range");
        }
        return new TargetMemory(joined(ram), new ArrayList<>(reserved));
    }

    /** A sysfs file's text: one line, its newline removed. */
    private static String sysfsFile(Path entry, String entryName, String file, String expected) throws IOException {
        Path p = entry.resolve(file);
        String field = entryName + "/" + file;
        if (!Files.exists(p)) throw new FormatException(field, 0, "missing: expected " + expected);
        if (!Files.isRegularFile(p)) throw new FormatException(field, 0, "not a file: expected " + expected);
        byte[] bytes;
        try (var in = Files.newInputStream(p)) {
            bytes = in.readNBytes(MAX_SYSFS_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_SYSFS_FILE_BYTES) {
            throw new FormatException(field, 0, "more than " + MAX_SYSFS_FILE_BYTES + " bytes: expected " + expected);
        }
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        return s;
    }

    private static long sysfsHex(Path entry, String entryName, String file) throws IOException {
        String expected = "the " + file + " address as one line of 0x-hexadecimal, e.g. 0x9fbff";
        String s = sysfsFile(entry, entryName, file, expected);
        String field = entryName + "/" + file;
        if (!(s.startsWith("0x") || s.startsWith("0X"))) {
            throw new FormatException(field, 0, "\"" + s + "\" does not start with 0x: expected " + expected);
        }
        int digitsAt = 2;
        int pos = digitsAt;
        while (pos < s.length() && Character.digit(s.charAt(pos), 16) >= 0 && s.charAt(pos) < 0x80) pos++;
        if (pos == digitsAt || pos != s.length()) {
            throw new FormatException(field, pos, "\"" + s + "\" is not hexadecimal from offset " + pos
                    + ": expected " + expected);
        }
        return hex(s.substring(digitsAt), file, field, 0);
    }

    private static String sysfsType(Path entry, String entryName) throws IOException {
        String expected = "one line such as \"System RAM\" or \"Reserved\"";
        String s = sysfsFile(entry, entryName, "type", expected);
        String field = entryName + "/type";
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new FormatException(field, i, String.format("byte 0x%02x is not text: expected %s", (int) c, expected));
            }
        }
        s = s.strip();
        if (s.isEmpty()) throw new FormatException(field, 0, "empty: expected " + expected);
        return s;
    }

    /**
     * The default x86 target: {@link #Q35_1G_DMESG} parsed — RAM [0, 0x9fc00) and
     * [0x100000, 0x3ffe0000), the EBDA, BIOS area, SeaBIOS's top of RAM, the PCIe MMCONFIG
     * window, the TSEG/chipset range, and the BIOS flash reserved.
     */
    public static TargetMemory q35Default() {
        return parse(Q35_1G_DMESG);
    }

    /**
     * {@code --memmap PATH}: a directory is read as a copy of /sys/firmware/memmap, anything
     * else as a kernel log (UTF-8; undecodable bytes do not matter, only e820 lines are read).
     *
     * @throws FormatException as {@link #parse} and {@link #readSysfs}, and for a file larger than
     *     {@link #MAX_TEXT_BYTES} (field "e820 table")
     * @throws IOException when the path cannot be read
     */
    public static TargetMemory read(Path path) throws IOException {
        if (Files.isDirectory(path)) return readSysfs(path);
        byte[] bytes;
        try (var in = Files.newInputStream(path)) {
            bytes = in.readNBytes((int) MAX_TEXT_BYTES + 1);
        }
        if (bytes.length > MAX_TEXT_BYTES) {
            throw new FormatException(TABLE_FIELD, 0, "more than " + (MAX_TEXT_BYTES >> 20)
                    + " MiB: expected a kernel log or e820 table");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }
}
