package efikexec.pe.reloc;

import static efikexec.pe.SyntheticPe.DATA_RVA;
import static efikexec.pe.SyntheticPe.DIR64_SITE_1;
import static efikexec.pe.SyntheticPe.DIR64_SITE_2;
import static efikexec.pe.SyntheticPe.HIGHLOW_SITE;
import static efikexec.pe.SyntheticPe.RELOC_RAW;
import static efikexec.pe.SyntheticPe.TEXT_RVA;
import static efikexec.pe.reloc.BaseRelocations.IMAGE_REL_BASED_DIR64;
import static efikexec.pe.reloc.BaseRelocations.IMAGE_REL_BASED_HIGHLOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.pe.LoadedImage;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.SyntheticPe;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class BaseRelocationsTest {
    private static final long IMAGE_BASE = 0x1000_0000L;
    private static final long BASE = 0x4000_0000L;

    private static ByteBuffer table(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] withTable(byte[] table) {
        return new SyntheticPe().relocTable(table).build();
    }

    private static FormatException parseError(byte[] file) {
        PeImage pe = PeParser.parse(file);
        try {
            BaseRelocations.parse(pe, file);
        } catch (FormatException e) {
            return e;
        }
        throw new AssertionError("no FormatException");
    }

    @Test
    void listsDir64AndHighlowSitesAndSkipsAbsolute() {
        byte[] f = new SyntheticPe().build();
        assertThat(BaseRelocations.parse(PeParser.parse(f), f)).containsExactly(
                new BaseRelocation(IMAGE_REL_BASED_DIR64, DIR64_SITE_1, RELOC_RAW),
                new BaseRelocation(IMAGE_REL_BASED_DIR64, DIR64_SITE_2, RELOC_RAW),
                new BaseRelocation(IMAGE_REL_BASED_HIGHLOW, HIGHLOW_SITE, RELOC_RAW));
    }

    @Test
    void loadingAtImageBaseAppliesNothing() {
        byte[] f = new SyntheticPe().build();
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(IMAGE_BASE, 0x5000);
        LoadedImage loaded = PeParser.parse(f).load(f, mem, IMAGE_BASE);
        assertThat(loaded.delta()).isZero();
        assertThat(loaded.relocationsApplied()).isZero();
        assertThat(mem.readU64(IMAGE_BASE + DIR64_SITE_1)).isEqualTo(IMAGE_BASE + TEXT_RVA);
        assertThat(mem.readU64(IMAGE_BASE + DIR64_SITE_2)).isEqualTo(IMAGE_BASE + DATA_RVA + 0x10);
        assertThat(mem.readU32(IMAGE_BASE + HIGHLOW_SITE)).isEqualTo(IMAGE_BASE + TEXT_RVA + 0x10);
    }

    @Test
    void loadingElsewhereAddsTheDelta() {
        byte[] f = new SyntheticPe().build();
        long at = BASE + 0x123000;
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x200000);
        LoadedImage loaded = PeParser.parse(f).load(f, mem, at);
        assertThat(loaded.delta()).isEqualTo(at - IMAGE_BASE);
        assertThat(loaded.relocationsApplied()).isEqualTo(3);
        assertThat(mem.readU64(at + DIR64_SITE_1)).isEqualTo(at + TEXT_RVA);
        assertThat(mem.readU64(at + DIR64_SITE_2)).isEqualTo(at + DATA_RVA + 0x10);
        assertThat(mem.readU32(at + HIGHLOW_SITE)).isEqualTo(at + TEXT_RVA + 0x10);
        // the bytes next to the sites are untouched
        assertThat(mem.readU32(at + HIGHLOW_SITE + 4)).isEqualTo(ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN)
                .getInt((int) SyntheticPe.DATA_RAW + 0x14) & 0xffffffffL);
    }

    @Test
    void negativeDeltaAndHighlowKeepsLow32Bits() {
        byte[] f = new SyntheticPe().build();
        PeImage pe = PeParser.parse(f);
        long low = 0x0800_0000L;
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(low, 0x5000);
        pe.load(f, mem, low);
        assertThat(mem.readU64(low + DIR64_SITE_1)).isEqualTo(low + TEXT_RVA);
        long high = 0x1_2000_0000L;
        ByteArrayGuestMemory mem2 = new ByteArrayGuestMemory(high, 0x5000);
        pe.load(f, mem2, high);
        assertThat(mem2.readU64(high + DIR64_SITE_1)).isEqualTo(high + TEXT_RVA);
        assertThat(mem2.readU32(high + HIGHLOW_SITE)).isEqualTo((high + TEXT_RVA + 0x10) & 0xffffffffL);
    }

    @Test
    void applyToAnAlreadyLoadedImage() {
        byte[] f = new SyntheticPe().build();
        PeImage pe = PeParser.parse(f);
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x5000);
        mem.write(BASE + DATA_RVA, f, (int) SyntheticPe.DATA_RAW, 0x200); // copied, not relocated
        assertThat(BaseRelocations.apply(pe, f, mem, BASE)).hasSize(3);
        assertThat(mem.readU64(BASE + DIR64_SITE_1)).isEqualTo(BASE + TEXT_RVA);
    }

    @Test
    void unsupportedTypeNamesBlockAndType() {
        ByteBuffer t = table(12).putInt((int) DATA_RVA).putInt(12);
        t.putShort((short) (10 << 12)).putShort((short) (5 << 12 | 0x20));
        FormatException e = parseError(withTable(t.array()));
        assertThat(e.field()).isEqualTo("relocation type");
        assertThat(e.offset()).isEqualTo(RELOC_RAW);
        assertThat(e.getMessage()).contains("type 5").contains("0x600").contains("0x60a");
    }

    @Test
    void badTypeFailsTheLoadAndLeavesMemoryAlone() {
        ByteBuffer t = table(12).putInt((int) DATA_RVA).putInt(12);
        t.putShort((short) (10 << 12)).putShort((short) (4 << 12));
        byte[] f = withTable(t.array());
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, 0x5000);
        mem.fill(BASE, 0x5000, 0xcc);
        assertThatThrownBy(() -> PeParser.parse(f).load(f, mem, BASE)).isInstanceOf(FormatException.class);
        assertThat(mem.read(BASE, 0x5000)).containsOnly(0xcc);
        // at ImageBase nothing is relocated, so the table is not read
        ByteArrayGuestMemory atBase = new ByteArrayGuestMemory(IMAGE_BASE, 0x5000);
        assertThat(PeParser.parse(f).load(f, atBase, IMAGE_BASE).relocationsApplied()).isZero();
    }

    @Test
    void blockSmallerThanHeader() {
        FormatException e = parseError(withTable(table(16).putInt((int) DATA_RVA).putInt(4).array()));
        assertThat(e.field()).isEqualTo("relocation block");
        assertThat(e.offset()).isEqualTo(RELOC_RAW);
        assertThat(e.getMessage()).contains("smaller than its 8-byte header");
    }

    @Test
    void blockPastTheDirectory() {
        ByteBuffer t = table(24).putInt((int) DATA_RVA).putInt(12).putShort((short) (10 << 12)).putShort((short) 0);
        t.putInt((int) DATA_RVA).putInt(16);
        FormatException e = parseError(withTable(t.array()));
        assertThat(e.offset()).isEqualTo(RELOC_RAW + 12);
        assertThat(e.getMessage()).contains("runs past the end");
    }

    @Test
    void truncatedBlockHeader() {
        ByteBuffer t = table(16).putInt((int) DATA_RVA).putInt(12).putShort((short) (10 << 12)).putShort((short) 0);
        FormatException e = parseError(withTable(t.array()));
        assertThat(e.offset()).isEqualTo(RELOC_RAW + 12);
        assertThat(e.getMessage()).contains("4 bytes left");
    }

    @Test
    void oddBlockSize() {
        FormatException e = parseError(withTable(table(12).putInt((int) DATA_RVA).putInt(11).array()));
        assertThat(e.getMessage()).contains("odd");
    }

    @Test
    void siteOutsideTheImage() {
        ByteBuffer t = table(12).putInt(0x4000).putInt(12).putShort((short) (10 << 12 | 0xffc)).putShort((short) 0);
        FormatException e = parseError(withTable(t.array()));
        assertThat(e.field()).isEqualTo("relocation block");
        assertThat(e.getMessage()).contains("0x4ffc").contains("outside the image");
    }

    @Test
    void directoryInBssIsRefused() {
        SyntheticPe b = new SyntheticPe();
        byte[] f = b.build();
        SyntheticPe.putU32(f, b.dataDirectory(5), 0x3000);
        FormatException e = parseError(f);
        assertThat(e.field()).isEqualTo("BaseRelocationTable");
        assertThat(e.offset()).isEqualTo(b.dataDirectory(5));
    }

    @Test
    void strippedRelocationsOnlyLoadAtImageBase() {
        byte[] f = new SyntheticPe().characteristics(0x0207).relocTable(new byte[0]).build();
        PeImage pe = PeParser.parse(f);
        assertThat(pe.relocationsStripped()).isTrue();
        assertThat(pe.load(f, new ByteArrayGuestMemory(IMAGE_BASE, 0x5000), IMAGE_BASE).delta()).isZero();
        assertThatThrownBy(() -> pe.load(f, new ByteArrayGuestMemory(BASE, 0x5000), BASE))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("Characteristics");
                    assertThat(e.offset()).isEqualTo(pe.coffHeaderOffset() + 18);
                });
    }

    @Test
    void noDirectoryNoRelocations() {
        byte[] f = new SyntheticPe().relocTable(new byte[0]).build();
        PeImage pe = PeParser.parse(f);
        assertThat(BaseRelocations.parse(pe, f)).isEmpty();
        assertThat(pe.load(f, new ByteArrayGuestMemory(BASE, 0x5000), BASE).relocationsApplied()).isZero();
    }
}
