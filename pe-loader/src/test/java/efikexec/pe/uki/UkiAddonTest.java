package efikexec.pe.uki;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.pe.Machine;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.write.PeWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Addons: systemd's addon stub with a .cmdline appended, as systemd-stub picks them up from the ESP. */
class UkiAddonTest {
    /** An addon stub's shape: code, SBAT, header room for more sections (FileAlignment 0x1000). */
    private static byte[] addonStub() {
        return new PeWriter().machine(Machine.IMAGE_FILE_MACHINE_ARM64).fileAlignment(0x1000).entryPoint(0x1000)
                .section(".text", 0x60000020, new byte[] {(byte) 0xc0, 0x03, 0x5f, (byte) 0xd6})
                .section(".sbat", 0x40000040, "sbat,1,SBAT Version,sbat,1,x\nsystemd-addon,1,x\n".getBytes(StandardCharsets.US_ASCII))
                .build();
    }

    @Test
    void anAddonIsTheStubWithItsCmdlineAndNoKernel() {
        byte[] stub = addonStub();
        byte[] addon = UkiBuilder.addon(stub).cmdline("efikexec.addon=1").build();
        PeImage pe = PeParser.parse(addon);
        assertThat(pe.sections().stream().map(PeSection::name)).containsExactly(".text", ".sbat", ".cmdline");
        PeSection cmdline = pe.section(".cmdline").orElseThrow();
        assertThat(new String(addon, (int) cmdline.pointerToRawData(), (int) cmdline.virtualSize(), StandardCharsets.UTF_8))
                .isEqualTo("efikexec.addon=1");
        PeSection sbat = pe.section(".sbat").orElseThrow();
        assertThat(Sbat.componentLines(pe, addon)).as("the stub's own SBAT is kept").containsExactly("systemd-addon,1,x");
        assertThat(Arrays.copyOfRange(addon, (int) sbat.pointerToRawData(), (int) sbat.pointerToRawData() + 16))
                .isEqualTo(Arrays.copyOfRange(stub, (int) sbat.pointerToRawData(), (int) sbat.pointerToRawData() + 16));
        assertThat(pe.checksum()).isEqualTo(PeWriter.checksum(addon, (int) pe.optionalHeaderOffset() + 64));
    }

    @Test
    void theSameInputsGiveTheSameBytes() {
        assertThat(UkiBuilder.addon(addonStub()).cmdline("a=b").build()).isEqualTo(UkiBuilder.addon(addonStub()).cmdline("a=b").build());
    }
}
