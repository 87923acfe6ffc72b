package efikexec.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuidTest {
    @Test
    void bytesAreMixedEndianAsTheSpecSays() {
        Guid g = Guid.parse("5568e427-68fc-4f3d-ac74-ca555231cc68");
        byte[] b = g.toBytes();
        assertThat(b).startsWith((byte) 0x27, (byte) 0xe4, (byte) 0x68, (byte) 0x55, (byte) 0xfc, (byte) 0x68,
                (byte) 0x3d, (byte) 0x4f, (byte) 0xac, (byte) 0x74);
        assertThat(Guid.fromBytes(b, 0)).isEqualTo(g);
        assertThat(KnownGuids.name(g)).isEqualTo("LINUX_EFI_INITRD_MEDIA");
    }
}
