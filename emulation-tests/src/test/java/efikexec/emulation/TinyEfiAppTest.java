package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** TinyEfiApp's constants and sizeOfImage describe the image it writes. */
class TinyEfiAppTest {
    @Test
    void codeStartsAtTheEntryPointInOneWritableTextSection() {
        byte[] code = new byte[0x1004];
        Arrays.fill(code, (byte) 0x5a);
        byte[] f = TinyEfiApp.build(code);
        PeImage pe = PeParser.parse(f);
        assertThat(pe.machine()).isEqualTo(TinyEfiApp.MACHINE_AARCH64);
        assertThat(pe.isEfiApplication()).isTrue();
        assertThat(pe.imageBase()).isEqualTo(TinyEfiApp.IMAGE_BASE);
        assertThat(pe.sectionAlignment()).isEqualTo(TinyEfiApp.ALIGNMENT);
        assertThat(pe.fileAlignment()).isEqualTo(TinyEfiApp.ALIGNMENT);
        assertThat(pe.addressOfEntryPoint()).isEqualTo(TinyEfiApp.TEXT_RVA);
        assertThat(pe.sizeOfImage()).isEqualTo(TinyEfiApp.sizeOfImage(code.length)).isEqualTo(0x3000);
        assertThat(pe.baseRelocationDirectory().isEmpty()).isTrue();
        assertThat(pe.sections()).hasSize(1);
        PeSection text = pe.sections().get(0);
        assertThat(text.virtualAddress()).isEqualTo(TinyEfiApp.TEXT_RVA);
        assertThat(text.virtualSize()).isEqualTo(0x2000);
        assertThat(text.isExecutable()).isTrue();
        assertThat(text.isWritable()).isTrue();
        int raw = (int) text.pointerToRawData();
        assertThat(Arrays.copyOfRange(f, raw, raw + code.length)).isEqualTo(code);
        assertThat(PeParser.parse(TinyEfiApp.build(new byte[4])).sizeOfImage()).isEqualTo(TinyEfiApp.sizeOfImage(4)).isEqualTo(0x2000);
    }
}
