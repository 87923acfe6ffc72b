package efikexec.pe;

import static efikexec.pe.SyntheticPe.putU16;
import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import efikexec.model.FormatException;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PeParserTest {
    private static final SyntheticPe PE = new SyntheticPe();
    private static final long OPT = PE.optOffset();

    @Test
    void parsesEveryHeaderField() {
        PeImage pe = PeParser.parse(PE.build());
        assertThat(pe.peHeaderOffset()).isEqualTo(0x80);
        assertThat(pe.machine()).isEqualTo(0xaa64);
        assertThat(pe.arch()).isEqualTo("aarch64");
        assertThat(pe.characteristics()).isEqualTo(0x0206);
        assertThat(pe.magic()).isEqualTo(0x20b);
        assertThat(pe.majorImageVersion()).isEqualTo(1);
        assertThat(pe.minorImageVersion()).isEqualTo(1);
        assertThat(pe.subsystem()).isEqualTo(10);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.dllCharacteristics()).isEqualTo(0x100);
        assertThat(pe.imageBase()).isEqualTo(0x1000_0000L);
        assertThat(pe.sectionAlignment()).isEqualTo(0x1000);
        assertThat(pe.fileAlignment()).isEqualTo(0x200);
        assertThat(pe.sizeOfImage()).isEqualTo(SyntheticPe.SIZE_OF_IMAGE);
        assertThat(pe.sizeOfHeaders()).isEqualTo(SyntheticPe.SIZE_OF_HEADERS);
        assertThat(pe.addressOfEntryPoint()).isEqualTo(SyntheticPe.TEXT_RVA);
        assertThat(pe.checksum()).isEqualTo(0x1234);
        assertThat(pe.checksumFieldOffset()).isEqualTo(OPT + 64);
        assertThat(pe.dataDirectories()).hasSize(16);
        assertThat(pe.baseRelocationDirectory()).isEqualTo(new DataDirectory(SyntheticPe.RELOC_RVA, 16));
        assertThat(pe.securityDirectory().isEmpty()).isTrue();
        assertThat(pe.sections()).containsExactly(
                new PeSection(".text", 0x1000, 0x100, 0x200, 0x200, 0x60000020),
                new PeSection(".data", 0x2000, 0x1800, 0x400, 0x200, 0xc0000040),
                new PeSection(".reloc", 0x4000, 16, 0x600, 0x200, 0x42000040));
        assertThat(pe.section(".text")).get().matches(PeSection::isExecutable);
        assertThat(pe.sectionAt(0x2fff)).get().extracting(PeSection::name).isEqualTo(".data");
        assertThat(pe.sectionHeaderOffset(1)).isEqualTo(PE.sectionHeader(1));
        assertThat(pe.fileOffsetOf(0x2010, 8)).hasValue(0x410);
        assertThat(pe.fileOffsetOf(0x2200, 8)).isEmpty(); // BSS
    }

    static Stream<Arguments> brokenFiles() {
        return Stream.of(
                broken("bad MZ magic", f -> f[0] = 'X', "MZ magic", 0),
                broken("e_lfanew out of range", f -> putU32(f, 0x3c, 0x10000), "e_lfanew", 0x3c),
                broken("e_lfanew negative as int", f -> putU32(f, 0x3c, 0xfffffff0L), "e_lfanew", 0x3c),
                broken("bad PE signature", f -> f[0x81] = 'X', "PE signature", 0x80),
                broken("machine i386", f -> putU16(f, 0x84, 0x14c), "Machine", 0x84),
                broken("machine ARM Thumb", f -> putU16(f, 0x84, 0x1c2), "Machine", 0x84),
                broken("too many sections", f -> putU16(f, 0x86, 200), "NumberOfSections", 0x86),
                broken("PE32 magic", f -> putU16(f, OPT, 0x10b), "Magic", OPT),
                broken("unknown magic", f -> putU16(f, OPT, 0x107), "Magic", OPT),
                broken("optional header too small", f -> putU16(f, 0x94, 0x60), "SizeOfOptionalHeader", 0x94),
                broken("too many data directories", f -> putU32(f, OPT + 108, 17), "NumberOfRvaAndSizes", OPT + 108),
                broken("data directories beyond optional header", f -> putU16(f, 0x94, 112 + 8),
                        "SizeOfOptionalHeader", 0x94),
                broken("SizeOfImage 0", f -> putU32(f, OPT + 56, 0), "SizeOfImage", OPT + 56),
                broken("SizeOfHeaders > SizeOfImage", f -> putU32(f, OPT + 60, 0x6000), "SizeOfHeaders", OPT + 60),
                broken("SizeOfHeaders > file", f -> putU32(f, OPT + 60, 0x1000), "SizeOfHeaders", OPT + 60),
                broken("entry point outside image", f -> putU32(f, OPT + 16, 0x5000), "AddressOfEntryPoint", OPT + 16),
                broken("section raw data beyond file", f -> putU32(f, PE.sectionHeader(2) + 20, 0x10000),
                        "PointerToRawData", PE.sectionHeader(2) + 20),
                broken("section raw size beyond file", f -> putU32(f, PE.sectionHeader(0) + 16, 0xfffffe00L),
                        "PointerToRawData", PE.sectionHeader(0) + 20),
                broken("section outside SizeOfImage", f -> putU32(f, PE.sectionHeader(1) + 8, 0x10000),
                        "VirtualSize", PE.sectionHeader(1) + 8),
                broken("section address wraps", f -> putU32(f, PE.sectionHeader(1) + 12, 0xfffff000L),
                        "VirtualSize", PE.sectionHeader(1) + 8),
                broken("overlapping sections", f -> putU32(f, PE.sectionHeader(1) + 12, 0x1080),
                        "VirtualAddress", PE.sectionHeader(1) + 12),
                broken("sections out of order", f -> putU32(f, PE.sectionHeader(1) + 12, 0x200),
                        "VirtualAddress", PE.sectionHeader(1) + 12),
                broken("relocation directory outside image", f -> putU32(f, PE.dataDirectory(5), 0x4ff8),
                        "BaseRelocationTable", PE.dataDirectory(5)),
                broken("certificate table beyond file", f -> {
                    putU32(f, PE.dataDirectory(4), 0x700);
                    putU32(f, PE.dataDirectory(4) + 4, 0x200);
                }, "CertificateTable", PE.dataDirectory(4)));
    }

    private static Arguments broken(String name, Consumer<byte[]> mutation, String field, long offset) {
        return Arguments.of(name, mutation, field, offset);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFiles")
    void brokenHeaderNamesFieldAndOffset(String name, Consumer<byte[]> mutation, String field, long offset) {
        byte[] f = PE.build();
        mutation.accept(f);
        FormatException e = catchThrowableOfType(() -> PeParser.parse(f), FormatException.class);
        assertThat(e).as(name).isNotNull();
        assertThat(e.field()).as(e.describe()).isEqualTo(field);
        assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
        assertThat(e.describe()).startsWith(field + " at offset 0x" + Long.toHexString(offset) + ": ");
    }

    static Stream<Arguments> truncations() {
        return Stream.of(
                Arguments.of(0, "MZ magic", 0L),
                Arguments.of(1, "MZ magic", 0L),
                Arguments.of(0x30, "e_lfanew", 0x3cL),
                Arguments.of(0x82, "e_lfanew", 0x3cL),
                Arguments.of(0x90, "COFF header", 0x84L),
                Arguments.of(0x99, "optional header", OPT),
                Arguments.of(0x100, "optional header", OPT),
                Arguments.of(0x1c0, "section table", PE.sectionHeader(0)),
                Arguments.of(0x300, "PointerToRawData", PE.sectionHeader(0) + 20),
                Arguments.of(0x500, "PointerToRawData", PE.sectionHeader(1) + 20),
                Arguments.of(0x7ff, "PointerToRawData", PE.sectionHeader(2) + 20));
    }

    @ParameterizedTest(name = "truncated to 0x{0}")
    @MethodSource("truncations")
    void truncatedFileNamesWhereItEnds(int length, String field, long offset) {
        byte[] f = Arrays.copyOf(PE.build(), length);
        assertThatThrownBy(() -> PeParser.parse(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).as(e.describe()).isEqualTo(field);
            assertThat(e.offset()).as(e.describe()).isEqualTo(offset);
        });
    }

    @Test
    void everyTruncationIsAFormatException() {
        byte[] full = PE.build();
        for (int n = 0; n < full.length; n++) {
            byte[] f = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> PeParser.parse(f)).as("length 0x%x", n).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void messagesSayWhatIsWrong() {
        byte[] pe32 = PE.build();
        putU16(pe32, OPT, 0x10b);
        assertThatThrownBy(() -> PeParser.parse(pe32)).hasMessageContaining("PE32 images are not supported");
        byte[] i386 = PE.build();
        putU16(i386, 0x84, 0x14c);
        assertThatThrownBy(() -> PeParser.parse(i386)).hasMessageContaining("0x14c (i386)");
        byte[] overlap = PE.build();
        putU32(overlap, PE.sectionHeader(1) + 12, 0x1080);
        assertThatThrownBy(() -> PeParser.parse(overlap)).hasMessageContaining(".data").hasMessageContaining("overlaps")
                .hasMessageContaining(".text");
    }

    @Test
    void x64ImageParses() {
        PeImage pe = PeParser.parse(new SyntheticPe().machine(0x8664).build());
        assertThat(pe.machine()).isEqualTo(0x8664);
        assertThat(pe.arch()).isEqualTo("x86_64");
    }

    @Test
    void zeroVirtualSizeMeansRawSize() {
        byte[] f = PE.build();
        putU32(f, PE.sectionHeader(0) + 8, 0);
        PeSection text = PeParser.parse(f).sections().get(0);
        assertThat(text.loadedSize()).isEqualTo(0x200);
        assertThat(text.fileBackedSize()).isEqualTo(0x200);
    }
}
