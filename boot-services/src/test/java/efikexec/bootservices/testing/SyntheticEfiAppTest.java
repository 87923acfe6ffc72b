package efikexec.bootservices.testing;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.write.PeWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The constants SyntheticEfiApp publishes describe the image it writes. */
class SyntheticEfiAppTest {
    @Test
    void constantsDescribeTheImage() {
        byte[] f = SyntheticEfiApp.aarch64();
        PeImage pe = PeParser.parse(f);
        assertThat(f).hasSize(SyntheticEfiApp.FILE_SIZE);
        assertThat(pe.machine()).isEqualTo(SyntheticEfiApp.MACHINE_AARCH64);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.imageBase()).isEqualTo(SyntheticEfiApp.IMAGE_BASE);
        assertThat(pe.sizeOfHeaders()).isEqualTo(SyntheticEfiApp.SIZE_OF_HEADERS);
        assertThat(pe.sizeOfImage()).isEqualTo(SyntheticEfiApp.SIZE_OF_IMAGE);
        assertThat(pe.addressOfEntryPoint()).isEqualTo(SyntheticEfiApp.TEXT_RVA);
        assertThat(pe.baseRelocationDirectory().isEmpty()).isTrue();
        assertThat(pe.relocationsStripped()).isFalse();
        assertThat(pe.sections()).containsExactly(new PeSection(".text", SyntheticEfiApp.TEXT_RVA,
                SyntheticEfiApp.TEXT_VIRTUAL_SIZE, SyntheticEfiApp.TEXT_RAW, SyntheticEfiApp.TEXT_RAW_SIZE, 0x60000020));
        assertThat(pe.checksum()).isEqualTo(PeWriter.checksum(f, (int) pe.checksumFieldOffset()));
        // the globals live in the zero-filled tail of .text
        assertThat(SyntheticEfiApp.GLOBALS_RVA).isGreaterThanOrEqualTo(SyntheticEfiApp.TEXT_RVA + SyntheticEfiApp.TEXT_RAW_SIZE)
                .isLessThan(SyntheticEfiApp.TEXT_RVA + SyntheticEfiApp.TEXT_VIRTUAL_SIZE);
        ByteBuffer text = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(text.getInt((int) SyntheticEfiApp.TEXT_RAW)).isEqualTo(0xd503201f); // nop
        assertThat(text.getInt((int) (SyntheticEfiApp.TEXT_RAW + SyntheticEfiApp.TEXT_RAW_SIZE - 4))).isEqualTo(0xd65f03c0); // ret
    }

    @Test
    void x86_64() {
        assertThat(PeParser.parse(SyntheticEfiApp.build(SyntheticEfiApp.MACHINE_X86_64)).arch()).isEqualTo("x86_64");
    }
}
