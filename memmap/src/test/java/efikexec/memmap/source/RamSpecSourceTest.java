package efikexec.memmap.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RamSpecSourceTest {
    private static final long M = 1L << 20;
    private static final long G = 1L << 30;

    @Test
    void oneGigabyte() {
        TargetMemory m = RamSpecSource.parse("0x40000000:1G");
        assertThat(m.ram()).containsExactly(new PhysicalRange(0x4000_0000L, G));
        assertThat(m.reserved()).isEmpty();
    }

    @Test
    void severalRangesComeOutSorted() {
        assertThat(RamSpecSource.parse("0x80000000:0x20000000,0x40000000:512M").ram()).containsExactly(
                new PhysicalRange(0x4000_0000L, 512 * M), new PhysicalRange(0x8000_0000L, 0x2000_0000L));
    }

    @Test
    void numberForms() {
        assertThat(RamSpecSource.parse("1073741824:1073741824").ram()).containsExactly(new PhysicalRange(G, G));
        assertThat(RamSpecSource.parse("1G:1g").ram()).containsExactly(new PhysicalRange(G, G));
        assertThat(RamSpecSource.parse("0X1000:4k").ram()).containsExactly(new PhysicalRange(0x1000, 4096));
        assertThat(RamSpecSource.parse("0xABCDE000:0x1000").ram()).containsExactly(new PhysicalRange(0xabcd_e000L, 0x1000));
        assertThat(RamSpecSource.parse(" 0x0 : 16M , 16M:16m ").ram())
                .containsExactly(new PhysicalRange(0, 16 * M), new PhysicalRange(16 * M, 16 * M)); // adjacent is fine
        assertThat(RamSpecSource.parse("0xfffffffffffff000:0xfff").ram())
                .containsExactly(new PhysicalRange(0xffff_ffff_ffff_f000L, 0xfff)); // ends at 2^64 - 1
        assertThat(RamSpecSource.parse("0x0000000040000000:1G").ram()).containsExactly(new PhysicalRange(G, G));
    }

    @ParameterizedTest(name = "\"{0}\" -> offset {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                  | 0  | expected BASE
            '   '                               | 3  | expected BASE
            '0x40000000'                        | 10 | expected ':' between BASE and SIZE, found the end
            '0x40000000:'                       | 11 | expected SIZE
            '0x:1G'                             | 2  | expected BASE as a hexadecimal number
            'zz'                                | 0  | found 'z'
            '-1:1'                              | 0  | found '-'
            '0x40000000:0'                      | 11 | size is 0
            '0x40000000:0K'                     | 11 | size is 0
            '0x40000000;1G'                     | 10 | expected ':'
            '0x40000000:1G,'                    | 14 | expected BASE
            '0x40000000:1G 0x80000000:1G'       | 14 | expected ',' before the next BASE:SIZE or the end, found '0'
            '0x40000000:1T'                     | 12 | found 'T'
            '0x40000000:1G,0x50000000:1M'       | 14 | overlaps [0x40000000-0x80000000) given at position 0
            '0x0:1M,0x40000000:1G,0x3ff00000:2M'| 21 | overlaps [0x40000000-0x80000000) given at position 7
            '0x40000000:1G,0x40000000:1G'       | 14 | overlaps
            '99999999999999999999:1'            | 0  | does not fit in 64 bits
            '0x10000000000000000:1'             | 0  | does not fit in 64 bits
            '0x1:0x400000000000000G'            | 4  | does not fit in 64 bits
            '0xffffffffffffffff:2'              | 0  | ends beyond 2^64
            '0xfffffffffffff000:0x1000'         | 0  | ends beyond 2^64
            '0x40000000:1G,,'                   | 14 | expected BASE
            '0:0x8000000000000000'              | 2  | 2^63 bytes or more
            '０x1:1'                            | 0  | expected BASE
            """)
    void invalid(String spec, int offset, String message) {
        assertThatThrownBy(() -> RamSpecSource.parse(spec)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("--ram");
            assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
            assertThat(e.getMessage()).as(e.describe()).contains(message).contains("\"" + spec + "\"");
        });
    }
}
