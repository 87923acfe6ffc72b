package efikexec.bootservices.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmbiosTableTest {
    /** Walks a structure table as an SMBIOS reader does: formatted area, then the string set. */
    private static List<Object[]> walk(byte[] t) {
        List<Object[]> out = new ArrayList<>();
        int at = 0;
        while (at < t.length) {
            int type = t[at] & 0xff, len = t[at + 1] & 0xff;
            int s = at + len;
            List<String> strings = new ArrayList<>();
            int start = s;
            while (!(t[s] == 0 && t[s + 1] == 0)) {
                if (t[s] == 0) {
                    strings.add(new String(t, start, s - start, StandardCharsets.UTF_8));
                    start = s + 1;
                }
                s++;
            }
            if (s > start) strings.add(new String(t, start, s - start, StandardCharsets.UTF_8));
            out.add(new Object[] {type, len, strings, at});
            at = s + 2;
            if (type == 127) break;
        }
        assertThat(at).as("the end structure is the last").isEqualTo(t.length);
        return out;
    }

    @Test
    void type1Type11AndEndWithTheStringsInOrder() {
        byte[] t = SmbiosTable.structures(List.of("io.systemd.stub.kernel-cmdline-extra=quiet", "io.systemd.credential:a=b"));
        List<Object[]> s = walk(t);
        assertThat(s).hasSize(3);
        assertThat(s.get(0)[0]).isEqualTo(1);
        assertThat(s.get(0)[2]).isEqualTo(List.of("efikexec", "efikexec emulated machine"));
        assertThat(s.get(1)[0]).isEqualTo(11);
        assertThat(t[(int) s.get(1)[3] + 4]).as("string count").isEqualTo((byte) 2);
        assertThat(s.get(1)[2]).isEqualTo(List.of("io.systemd.stub.kernel-cmdline-extra=quiet", "io.systemd.credential:a=b"));
        assertThat(s.get(2)[0]).isEqualTo(127);
        // handles are distinct
        assertThat(List.of(t[2] | t[3] << 8, t[(int) s.get(1)[3] + 2] | t[(int) s.get(1)[3] + 3] << 8))
                .doesNotHaveDuplicates();
    }

    @Test
    void entryPointIsAValid30AnchorWithAZeroChecksum() {
        byte[] e = SmbiosTable.entryPoint(0x1234_5000L, 0x99);
        assertThat(new String(e, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("_SM3_");
        int sum = 0;
        for (byte b : e) sum += b & 0xff;
        assertThat(sum & 0xff).isZero();
        ByteBuffer b = ByteBuffer.wrap(e).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(e[6]).isEqualTo((byte) SmbiosTable.ENTRY_POINT_SIZE);
        assertThat(e[7]).isEqualTo((byte) 3);
        assertThat(b.getInt(12)).isEqualTo(0x99);
        assertThat(b.getLong(16)).isEqualTo(0x1234_5000L);
    }

    @Test
    void theSameStringsGiveTheSameBytes() {
        assertThat(SmbiosTable.structures(List.of("x=1"))).isEqualTo(SmbiosTable.structures(List.of("x=1")));
    }

    @Test
    void stringsThatCannotBeEncodedAreRefused() {
        assertThatThrownBy(() -> SmbiosTable.structures(List.of(""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmbiosTable.structures(List.of("a\0b"))).isInstanceOf(IllegalArgumentException.class);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 256; i++) many.add("s" + i);
        assertThatThrownBy(() -> SmbiosTable.structures(many)).isInstanceOf(IllegalArgumentException.class);
    }
}
