package efikexec.memmap.source;

import static efikexec.memmap.ExpectedDescriptors.free;
import static efikexec.memmap.ExpectedDescriptors.reserved;
import static efikexec.memmap.Targets.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import efikexec.memmap.MapInvariants;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.FormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class E820MemorySourceTest {
    private static final long G = 1L << 30;

    static String resource(String name) throws IOException {
        try (InputStream in = E820MemorySourceTest.class.getResourceAsStream("/source/" + name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One e820 line as the kernel prints it: %#018Lx, inclusive end. */
    static String line(long start, long endInclusive, String type) {
        return String.format("[    0.000000] BIOS-e820: [mem %#018x-%#018x] %s%n", start, endInclusive, type);
    }

    static long total(List<PhysicalRange> ranges) {
        return ranges.stream().mapToLong(PhysicalRange::size).sum();
    }

    @Nested
    class Q35Default {
        @Test
        void isTheTableOfARealQ35Boot() {
            TargetMemory m = E820MemorySource.q35Default();
            assertThat(m.ram()).containsExactly(range(0, 0x9fc00L), range(0x10_0000L, 0x3ffe_0000L));
            assertThat(total(m.ram())).isEqualTo(0x9fc00L + 0x3fee_0000L);
            assertThat(m.reserved()).containsExactly(
                    range(0x9fc00L, 0xa0000L), // EBDA
                    range(0xf_0000L, 0x10_0000L), // BIOS area
                    range(0x3ffe_0000L, 0x4000_0000L), // SeaBIOS's top of RAM
                    range(0xb000_0000L, 0xc000_0000L), // PCIe MMCONFIG
                    range(0xfed1_c000L, 0xfed2_0000L), // ICH9 root complex register block
                    range(0xfeff_c000L, 0xff00_0000L),
                    range(0xfffc_0000L, 0x1_0000_0000L)); // BIOS flash
            assertThat(E820MemorySource.Q35_1G_DMESG).contains("BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable");
        }

        /**
         * RAM rounds inwards: the first usable range, ending at 0x9fbff, ends at page 0x9f000.
         * The reserved ranges round outwards and stay in the map as EfiReservedMemoryType (the
         * x86 stub turns them into the kernel's e820 reserved entries), the EBDA as page 0x9f000.
         */
        @Test
        void asTheInitialEfiMap() {
            MemoryMap map = MemoryMap.fromTarget(E820MemorySource.q35Default());
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).containsExactly(
                    free(0, 0x9f000L),
                    reserved(0x9f000L, 0xa0000L),
                    reserved(0xf0000L, 0x10_0000L),
                    free(0x10_0000L, 0x3ffe_0000L),
                    reserved(0x3ffe_0000L, 0x4000_0000L),
                    reserved(0xb000_0000L, 0xc000_0000L),
                    reserved(0xfed1_c000L, 0xfed2_0000L),
                    reserved(0xfeff_c000L, 0xff00_0000L),
                    reserved(0xfffc_0000L, 0x1_0000_0000L));
            assertThat(map.descriptors().get(0).end()).isEqualTo(0x9f000L);
        }
    }

    @Test
    void reservedInsideUsableWinsAndIsRoundedOutwards() {
        // a hand-written table may reserve part of RAM by overlapping it, as firmware tables
        // sometimes do (the kernel sanitizes them the same way: the higher type wins)
        TargetMemory m = E820MemorySource.parse(
                line(0, 0x9fbffL, "usable")
                + line(0x9fc00L, 0x9ffffL, "reserved")
                + line(0x10_0000L, 0x3fff_ffffL, "usable")
                + line(0x3ff0_0800L, 0x3ff0_17ffL, "ACPI data")
                + line(0x3ff8_0000L, 0x3fff_ffffL, "reserved"));
        assertThat(m.ram()).containsExactly(range(0, 0x9fc00L), range(0x10_0000L, 0x4000_0000L));
        MemoryMap map = MemoryMap.fromTarget(m);
        MapInvariants.assertValid(map);
        assertThat(map.descriptors()).containsExactly(
                free(0, 0x9f000L),
                reserved(0x9f000L, 0xa0000L),
                free(0x10_0000L, 0x3ff0_0000L),
                reserved(0x3ff0_0000L, 0x3ff0_2000L), // [0x3ff00800, 0x3ff01800) touches two pages
                free(0x3ff0_2000L, 0x3ff8_0000L),
                reserved(0x3ff8_0000L, 0x4000_0000L));
    }

    @Nested
    class KernelLog {
        @Test
        void uefiLaptopDmesgWithOtherLinesAround() throws IOException {
            TargetMemory m = E820MemorySource.parse(resource("dmesg-uefi-laptop.txt"));
            // only the BIOS-e820 lines: not the "reserve setup_data" copy nor the "e820: update" lines
            assertThat(m.ram()).containsExactly(
                    range(0, 0x9f000L),
                    range(0x10_0000L, 0x9b0_0000L),
                    range(0x9e0_0000L, 0x9f0_0000L),
                    range(0x9f0_f000L, 0xbd2b_f000L),
                    range(0x1_0000_0000L, 0x4_2f34_0000L));
            assertThat(m.reserved()).containsExactly(
                    range(0x9f000L, 0x10_0000L),
                    range(0x9b0_0000L, 0x9e0_0000L),
                    range(0x9f0_0000L, 0x9f0_f000L), // ACPI NVS
                    range(0xbd2b_f000L, 0xbf3b_f000L),
                    range(0xbf3b_f000L, 0xbf3f_3000L), // ACPI data
                    range(0xbf3f_3000L, 0xbf5f_3000L), // ACPI NVS
                    range(0xbf5f_3000L, 0xc000_0000L),
                    range(0xc000_0000L, 0xd000_0000L),
                    range(0xfd00_0000L, 0x1_0000_0000L),
                    range(0x4_2f34_0000L, 0x4_3020_0000L));
            MemoryMap map = MemoryMap.fromTarget(m);
            MapInvariants.assertValid(map);
            assertThat(map.descriptors()).filteredOn(d -> d.typeName().equals("EfiConventionalMemory")).hasSize(5);
            assertThat(map.descriptors()).filteredOn(d -> !d.typeName().equals("EfiConventionalMemory"))
                    .allSatisfy(d -> assertThat(d.typeName()).isEqualTo("EfiReservedMemoryType"));
        }

        @Test
        void journalctlPrefixAndCrlf() throws IOException {
            TargetMemory m = E820MemorySource.parse(resource("journal-kernel.txt"));
            assertThat(m.ram()).containsExactly(range(0, 0xa0000L), range(0x10_0000L, 0x8000_0000L));
            assertThat(m.reserved()).containsExactly(range(0x8000_0000L, 0x8080_0000L), range(0x1_0000_0000L, 0x1_8000_0000L));
        }

        @Test
        void otherPrefixesAndNone() {
            String table = """
                    BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
                    <6>[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
                    6,12,0,-;BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable
                    [Mon Mar  3 09:12:44 2025] BIOS-e820: [mem 0x000000003ffe0000-0x000000003fffffff] reserved
                    \tBIOS-e820:[mem 0x40000000 - 0x7fffffff]   usable\s\s
                    """;
            TargetMemory m = E820MemorySource.parse(table);
            assertThat(m.ram()).containsExactly(range(0, 0x9fc00L), range(0x10_0000L, 0x3ffe_0000L), range(G, 2 * G));
            assertThat(m.reserved()).containsExactly(range(0x9fc00L, 0xa0000L), range(0x3ffe_0000L, G));
        }

        @Test
        void endsAreInclusive() {
            TargetMemory m = E820MemorySource.parse(line(0x1000, 0x1fff, "usable") + line(0x3000, 0x3000, "reserved")
                    + line(0xffff_ffff_ffff_e000L, 0xffff_ffff_ffff_fffeL, "reserved"));
            assertThat(m.ram()).containsExactly(new PhysicalRange(0x1000, 0x1000));
            assertThat(m.reserved()).containsExactly(new PhysicalRange(0x3000, 1),
                    new PhysicalRange(0xffff_ffff_ffff_e000L, 0x1fff));
        }

        @ParameterizedTest(name = "\"{0}\" -> RAM {1}")
        @CsvSource(delimiter = '|', textBlock = """
                usable                    | true
                reserved                  | false
                soft reserved             | false
                ACPI data                 | false
                ACPI NVS                  | false
                unusable                  | false
                persistent (type 7)       | false
                persistent (type 12)      | false
                type 12                   | false
                type 20                   | false
                type 128                  | false
                device reserved           | false
                persistent RAM (type 7)   | false
                kernel usable RAM         | true
                '639 KB usable'           | true
                '1 KB device reserved'    | false
                System RAM                | true
                """)
        void everyTypeName(String type, boolean ram) {
            // each type between two usable ranges, so that a table without RAM is never the question
            TargetMemory m = E820MemorySource.parse(line(0, 0xfff, "usable") + line(0x1000, 0x1fff, type)
                    + line(0x3000, 0x3fff, "usable"));
            if (ram) {
                assertThat(m.ram()).containsExactly(range(0, 0x2000), range(0x3000, 0x4000));
                assertThat(m.reserved()).isEmpty();
            } else {
                assertThat(m.ram()).containsExactly(range(0, 0x1000), range(0x3000, 0x4000));
                assertThat(m.reserved()).containsExactly(range(0x1000, 0x2000));
            }
        }

        @Test
        void linux7GapLinesAreSkipped() {
            TargetMemory m = E820MemorySource.parse("""
                    BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]  639 KB kernel usable RAM
                    BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff]    1 KB device reserved
                    BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]  320 KB ...
                    BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff]   64 KB device reserved
                    """);
            assertThat(m.ram()).containsExactly(range(0, 0x9fc00L));
            assertThat(m.reserved()).containsExactly(range(0x9fc00L, 0xa0000L), range(0xf_0000L, 0x10_0000L));
        }

        @Test
        void usableRangesThatOverlapOrTouchAreJoinedAndReservedDuplicatesDropped() {
            TargetMemory m = E820MemorySource.parse(line(0, 0x7ff, "usable") + line(0x800, 0x1fff, "usable")
                    + line(0x1000, 0x2fff, "usable") + line(0x1000, 0x1fff, "reserved") + line(0x1000, 0x1fff, "ACPI NVS")
                    + line(0x4000, 0x4fff, "usable"));
            assertThat(m.ram()).containsExactly(range(0, 0x3000), range(0x4000, 0x5000));
            assertThat(m.reserved()).containsExactly(range(0x1000, 0x2000));
        }

        @ParameterizedTest(name = "\"{0}\"")
        @CsvSource(delimiter = '|', textBlock = """
                BIOS-e820: garbage                                                   | expected '[mem 0xSTART-0xEND] TYPE'
                BIOS-e820:                                                           | found \"\"
                BIOS-e820: [mem 0x1000-] usable                                      | expected '[mem 0xSTART-0xEND] TYPE'
                BIOS-e820: [mem 1000-1fff] usable                                    | expected '[mem 0xSTART-0xEND] TYPE'
                BIOS-e820: [mem 0x1000-0x1fff usable                                 | expected '[mem 0xSTART-0xEND] TYPE'
                BIOS-e820: [mem 0x1000-0x1fffz] usable                               | expected '[mem 0xSTART-0xEND] TYPE'
                BIOS-e820: [mem 0x0000000000001000-0x0000000000001fff]               | no type after the range
                BIOS-e820: [mem 0x0000000000001000-0x0000000000001fff] RAM           | unknown e820 type "RAM"
                BIOS-e820: [mem 0x0000000000001000-0x0000000000001fff] free          | unknown e820 type "free"
                BIOS-e820: [mem 0x0000000000002000-0x0000000000001fff] usable        | end 0x1fff is below start 0x2000
                BIOS-e820: [mem 0x10000000000000000-0x10000000000000fff] usable      | start 0x10000000000000000 does not fit in 64 bits
                BIOS-e820: [mem 0x0000000000001000-0x1ffffffffffffffff] usable       | end 0x1ffffffffffffffff does not fit in 64 bits
                BIOS-e820: [mem 0xfffffffffffff000-0xffffffffffffffff] reserved      | reaches the last byte below 2^64
                BIOS-e820: [mem 0x0000000000000000-0x8000000000000000] usable        | 2^63 bytes or more
                BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)              | format of kernels before 3.x
                """)
        void badLines(String bad, String message) {
            String before = "[    0.000000] BIOS-provided physical RAM map:\n" + line(0, 0xfff, "usable");
            String text = before + "[    0.000000] " + bad + "\n" + line(0x10_0000L, 0x1f_ffffL, "usable");
            int at = before.length();
            assertThatThrownBy(() -> E820MemorySource.parse(text)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).as(e.describe()).isEqualTo("e820 line 3");
                assertThat(e.offset()).as(e.describe()).isEqualTo(at);
                assertThat(e.getMessage()).as(e.describe()).contains(message);
            });
        }

        @Test
        void aLogOfTwoBootsIsRefused() {
            String boot = line(0, 0x9fbffL, "usable") + line(0x9fc00L, 0x9ffffL, "reserved")
                    + line(0x10_0000L, 0x3ffd_ffffL, "usable");
            String two = boot + "[    0.000000] Linux version 6.1.0-18-amd64\n" + boot;
            assertThatThrownBy(() -> E820MemorySource.parse(two)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("e820 line 5");
                assertThat(e.offset()).isEqualTo(two.lastIndexOf(line(0, 0x9fbffL, "usable")));
                assertThat(e.getMessage()).contains("comes after one starting at 0x100000 (line 3)").contains("more than one boot");
            });
        }

        @Test
        void textWithoutATable() {
            for (String text : List.of("", "\n\n", "[    0.000000] Linux version 6.1.0\n[    0.000000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n",
                    "BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]\n")) {
                assertThatThrownBy(() -> E820MemorySource.parse(text)).isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("e820 table");
                    assertThat(e.offset()).isZero();
                    assertThat(e.getMessage()).contains("no 'BIOS-e820: [mem 0x…-0x…] TYPE' line").contains("/sys/firmware/memmap");
                });
            }
            assertThatThrownBy(() -> E820MemorySource.parse(line(0x9fc00L, 0x9ffffL, "reserved") + line(0xf0000L, 0xfffffL, "ACPI NVS")))
                    .isInstanceOfSatisfying(FormatException.class, e -> {
                        assertThat(e.field()).isEqualTo("e820 table");
                        assertThat(e.getMessage()).contains("no usable range among 2 e820 lines");
                    });
        }

        @Test
        void brokenCopiesOfTheQ35LogFailCleanly() {
            Random random = new Random(820);
            char[] alphabet = "0123456789abcdefxX[]- \n:usableBIOS-e820mem".toCharArray();
            for (int round = 0; round < 5000; round++) {
                StringBuilder b = new StringBuilder(E820MemorySource.Q35_1G_DMESG);
                for (int i = 0; i < 1 + random.nextInt(3); i++) {
                    int at = random.nextInt(b.length());
                    switch (random.nextInt(3)) {
                        case 0 -> b.setCharAt(at, alphabet[random.nextInt(alphabet.length)]);
                        case 1 -> b.deleteCharAt(at);
                        default -> b.insert(at, alphabet[random.nextInt(alphabet.length)]);
                    }
                }
                try {
                    TargetMemory m = E820MemorySource.parse(b.toString());
                    assertThat(m.ram()).isNotEmpty();
                } catch (FormatException e) {
                    if (e.field().isBlank() || e.offset() < 0 || e.offset() > b.length()) fail("round " + round + ": " + e.describe());
                } catch (RuntimeException e) {
                    fail("round " + round + ": " + e + "\n" + b, e);
                }
            }
        }
    }

    @Nested
    class Sysfs {
        @TempDir
        Path dir;

        private void entry(String name, String start, String end, String type) throws IOException {
            Path e = Files.createDirectories(dir.resolve(name));
            if (start != null) Files.writeString(e.resolve("start"), start);
            if (end != null) Files.writeString(e.resolve("end"), end);
            if (type != null) Files.writeString(e.resolve("type"), type);
        }

        /** /sys/firmware/memmap of the q35 guest: "0x%llx\n", inclusive end, the kernel's type names. */
        private void q35() throws IOException {
            entry("0", "0x0\n", "0x9fbff\n", "System RAM\n");
            entry("1", "0x9fc00\n", "0x9ffff\n", "Reserved\n");
            entry("2", "0xf0000\n", "0xfffff\n", "Reserved\n");
            entry("3", "0x100000\n", "0x3ffdffff\n", "System RAM\n");
            entry("4", "0x3ffe0000\n", "0x3fffffff\n", "Reserved\n");
            entry("5", "0xb0000000\n", "0xbfffffff\n", "Reserved\n");
            entry("6", "0xfed1c000\n", "0xfed1ffff\n", "Reserved\n");
            entry("7", "0xfeffc000\n", "0xfeffffff\n", "Reserved\n");
            entry("8", "0xfffc0000\n", "0xffffffff\n", "Reserved\n");
        }

        @Test
        void q35DumpGivesTheSameTargetAsItsLog() throws IOException {
            q35();
            assertThat(E820MemorySource.readSysfs(dir)).isEqualTo(E820MemorySource.q35Default());
            assertThat(E820MemorySource.read(dir)).isEqualTo(E820MemorySource.q35Default());
        }

        @Test
        void entriesAreOrderedByNumberNotNameAndOtherFilesIgnored() throws IOException {
            // 10 sorts before 2 as a name; gaps in the numbering are allowed
            entry("2", "0x100000\n", "0x3fffffff\n", "System RAM\n");
            entry("10", "0x40000000\n", "0x7fffffff\n", "System RAM\n");
            entry("0", "0x0\n", "0x9ffff\n", "System RAM\n");
            entry("11", "0xfee00000\n", "0xfee00fff\n", "Reserved\n");
            Files.writeString(dir.resolve("README"), "copied from host\n");
            Files.createDirectories(dir.resolve("extra"));
            Files.writeString(dir.resolve("7"), "a file, not an entry");
            TargetMemory m = E820MemorySource.readSysfs(dir);
            assertThat(m.ram()).containsExactly(range(0, 0xa0000L), range(0x10_0000L, 2 * G)); // 2 and 10 touch: joined
            assertThat(m.reserved()).containsExactly(range(0xfee0_0000L, 0xfee0_1000L));
        }

        @ParameterizedTest(name = "\"{0}\" -> RAM {1}")
        @CsvSource(delimiter = '|', textBlock = """
                System RAM                  | true
                Reserved                    | false
                ACPI Tables                 | false
                ACPI Non-volatile Storage   | false
                Unusable memory             | false
                Persistent Memory           | false
                Persistent Memory (legacy)  | false
                Soft Reserved               | false
                Unknown E820 type           | false
                reserved                    | false
                """)
        void everyTypeName(String type, boolean ram) throws IOException {
            entry("0", "0x0\n", "0xfff\n", "System RAM\n");
            entry("1", "0x1000\n", "0x1fff\n", type + "\n");
            TargetMemory m = E820MemorySource.readSysfs(dir);
            assertThat(m.ram()).containsExactly(ram ? range(0, 0x2000) : range(0, 0x1000));
            assertThat(m.reserved()).isEqualTo(ram ? List.of() : List.of(range(0x1000, 0x2000)));
        }

        @Test
        void valuesWithoutNewlineAndUpperCaseHexAreRead() throws IOException {
            entry("0", "0X1000", "0x1FFF", "System RAM");
            assertThat(E820MemorySource.readSysfs(dir).ram()).containsExactly(range(0x1000, 0x2000));
        }

        @ParameterizedTest(name = "{0}/{1} = \"{2}\"")
        @CsvSource(delimiter = '|', textBlock = """
                start | 0x                   | 1/start | 2 | is not hexadecimal from offset 2
                start | 0x12g4\\n            | 1/start | 4 | is not hexadecimal from offset 4
                start | 4096\\n              | 1/start | 0 | does not start with 0x
                start | ''                   | 1/start | 0 | does not start with 0x
                start | 0x1000 \\n           | 1/start | 6 | is not hexadecimal
                start | 0x1000\\n0x2000\\n   | 1/start | 6 | is not hexadecimal
                end   | 0xfff\\n             | 1/end   | 0 | end 0xfff is below start 0x1000
                end   | 0x10000000000000000  | 1/end   | 0 | does not fit in 64 bits
                end   | 0xffffffffffffffff   | 1/end   | 0 | reaches the last byte below 2^64
                type  | ''                   | 1/type  | 0 | empty
                type  | \\n                  | 1/type  | 0 | empty
                type  | System\\u0000RAM     | 1/type  | 6 | byte 0x00 is not text
                """)
        void garbledFiles(String file, String content, String field, long offset, String message) throws IOException {
            entry("0", "0x0\n", "0xfff\n", "System RAM\n");
            entry("1", "0x1000\n", "0x1fff\n", "Reserved\n");
            String text = content.replace("\\n", "\n").replace("\\u0000", "\0");
            Files.writeString(dir.resolve("1").resolve(file), text, StandardCharsets.ISO_8859_1);
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).as(e.describe()).isEqualTo(field);
                assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
                assertThat(e.getMessage()).as(e.describe()).contains(message);
            });
        }

        @Test
        void missingFilesAreNamed() throws IOException {
            q35();
            Files.delete(dir.resolve("4").resolve("end"));
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("4/end");
                assertThat(e.getMessage()).startsWith("missing: expected the end address");
            });
            Files.delete(dir.resolve("3").resolve("type"));
            Files.createDirectories(dir.resolve("3").resolve("type"));
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("3/type");
                assertThat(e.getMessage()).startsWith("not a file");
            });
        }

        @Test
        void overlongFileIsRefused() throws IOException {
            entry("0", "0x0\n", "0x" + "0".repeat(5000) + "fff\n", "System RAM\n");
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("0/end");
                assertThat(e.getMessage()).contains("more than 4096 bytes");
            });
        }

        @Test
        void noEntriesOrNoRam() throws IOException {
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("memmap entries");
                assertThat(e.getMessage()).contains("no subdirectory 0, 1, 2");
            });
            entry("0", "0x9fc00\n", "0x9ffff\n", "Reserved\n");
            entry("1", "0xf0000\n", "0xfffff\n", "ACPI Tables\n");
            assertThatThrownBy(() -> E820MemorySource.readSysfs(dir)).isInstanceOfSatisfying(FormatException.class, e -> {
                assertThat(e.field()).isEqualTo("memmap entries");
                assertThat(e.getMessage()).contains("none of the 2 entries has type \"System RAM\"");
            });
        }

        @Test
        void notADirectory() throws IOException {
            Path file = Files.writeString(dir.resolve("f"), "x");
            assertThatThrownBy(() -> E820MemorySource.readSysfs(file)).isInstanceOf(IOException.class);
        }
    }

    @Nested
    class Read {
        @TempDir
        Path dir;

        @Test
        void aFileIsReadAsALog() throws IOException {
            Path f = Files.writeString(dir.resolve("dmesg.txt"), resource("dmesg-uefi-laptop.txt"));
            assertThat(E820MemorySource.read(f)).isEqualTo(E820MemorySource.parse(resource("dmesg-uefi-laptop.txt")));
            Path q35 = Files.writeString(dir.resolve("q35.txt"), E820MemorySource.Q35_1G_DMESG);
            assertThat(E820MemorySource.read(q35)).isEqualTo(E820MemorySource.q35Default());
        }

        @Test
        void bytesThatAreNotUtf8DoNotMatterOutsideTheTable() throws IOException {
            byte[] junk = {(byte) 0xff, (byte) 0xfe, 0, 1, '\n'};
            byte[] table = E820MemorySource.Q35_1G_DMESG.getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[junk.length + table.length];
            System.arraycopy(junk, 0, all, 0, junk.length);
            System.arraycopy(table, 0, all, junk.length, table.length);
            Path f = Files.write(dir.resolve("log"), all);
            assertThat(E820MemorySource.read(f)).isEqualTo(E820MemorySource.q35Default());
        }

        @Test
        void emptyOrBinaryFile() throws IOException {
            Path empty = Files.write(dir.resolve("empty"), new byte[0]);
            assertThatThrownBy(() -> E820MemorySource.read(empty))
                    .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.field()).isEqualTo("e820 table"));
            Path dtb = Files.write(dir.resolve("virt.dtb"), FdtMemorySourceTest.resource("qemu-virt.dtb"));
            assertThatThrownBy(() -> E820MemorySource.read(dtb))
                    .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.field()).isEqualTo("e820 table"));
        }

        @Test
        void missingPath() {
            assertThatThrownBy(() -> E820MemorySource.read(dir.resolve("nope"))).isInstanceOf(IOException.class);
        }
    }
}
