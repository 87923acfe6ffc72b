package efikexec.memmap.source;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * The target's RAM given on the command line: {@code --ram BASE:SIZE[,BASE:SIZE…]}, for example
 * {@code 0x40000000:1G} or {@code 0x40000000:512M,0x80000000:0x20000000}.
 *
 * <p>Numbers are hexadecimal with {@code 0x} or decimal, optionally followed by K, M or G
 * (binary: 2^10, 2^20, 2^30; either case) — on the base as well as the size. Blanks around
 * numbers and separators are allowed. Every size must be &gt; 0 and below 2^63, every range
 * must end at or below 2^64 - 1, and ranges must not overlap (adjacent is fine). The result is sorted, with
 * nothing reserved. Errors are {@link FormatException}s with field {@code --ram} and the
 * character position in the string as offset.
 */
public final class RamSpecSource {
    /** The field every error names. */
    public static final String FIELD = "--ram";

    private final String s;
    private int pos;

    private RamSpecSource(String s) {
        this.s = s;
    }

    public static TargetMemory parse(String spec) {
        return new RamSpecSource(spec).run();
    }

    private TargetMemory run() {
        List<PhysicalRange> ranges = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        while (true) {
            skipBlanks();
            int entryAt = pos;
            long base = number("BASE");
            skipBlanks();
            expect(':', "':' between BASE and SIZE");
            skipBlanks();
            int sizeAt = pos;
            long size = number("SIZE");
            if (size == 0) throw error(sizeAt, "size is 0: expected a size > 0");
            if (size < 0) throw error(sizeAt, String.format("size 0x%x is 2^63 bytes or more: expected less", size));
            if (Long.compareUnsigned(base + size - 1, base) < 0 || base + size == 0) {
                throw error(entryAt, String.format("0x%x + 0x%x ends beyond 2^64: expected a range below 2^64", base, size));
            }
            PhysicalRange r = new PhysicalRange(base, size);
            for (int i = 0; i < ranges.size(); i++) {
                if (ranges.get(i).overlaps(r)) {
                    throw error(entryAt, "range " + r + " overlaps " + ranges.get(i) + " given at position "
                            + starts.get(i) + ": expected disjoint ranges");
                }
            }
            ranges.add(r);
            starts.add(entryAt);
            skipBlanks();
            if (pos == s.length()) break;
            expect(',', "',' before the next BASE:SIZE or the end");
        }
        ranges.sort(null);
        return new TargetMemory(ranges, List.of());
    }

    private long number(String what) {
        int at = pos;
        int radix = 10;
        if (s.startsWith("0x", pos) || s.startsWith("0X", pos)) {
            radix = 16;
            pos += 2;
        }
        int digitsAt = pos;
        while (pos < s.length() && Character.digit(s.charAt(pos), radix) >= 0 && s.charAt(pos) < 0x80) pos++;
        if (pos == digitsAt) {
            throw error(pos, "expected " + what + " as a " + (radix == 16 ? "hexadecimal" : "decimal or 0x-hexadecimal")
                    + " number, found " + found());
        }
        long value;
        try {
            value = Long.parseUnsignedLong(s.substring(digitsAt, pos), radix);
        } catch (NumberFormatException e) {
            throw error(at, what + " " + s.substring(at, pos) + " does not fit in 64 bits");
        }
        if (pos < s.length()) {
            int shift = switch (s.charAt(pos)) {
                case 'K', 'k' -> 10;
                case 'M', 'm' -> 20;
                case 'G', 'g' -> 30;
                default -> 0;
            };
            if (shift != 0) {
                pos++;
                if (value >>> (64 - shift) != 0) {
                    throw error(at, what + " " + s.substring(at, pos) + " does not fit in 64 bits");
                }
                value <<= shift;
            }
        }
        return value;
    }

    private void expect(char c, String what) {
        if (pos < s.length() && s.charAt(pos) == c) {
            pos++;
            return;
        }
        throw error(pos, "expected " + what + ", found " + found());
    }

    private String found() {
        return pos < s.length() ? "'" + s.charAt(pos) + "'" : "the end";
    }

    private void skipBlanks() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) pos++;
    }

    private FormatException error(int at, String message) {
        return new FormatException(FIELD, at, message + " (in \"" + s + "\")");
    }
}
