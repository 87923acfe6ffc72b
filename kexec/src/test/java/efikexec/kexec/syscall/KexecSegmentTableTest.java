package efikexec.kexec.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class KexecSegmentTableTest {
    @Test
    void twoSegmentsAsTheKernelReadsStructKexecSegment() {
        byte[] table = KexecSegmentTable.encode(List.of(
                new KexecSegmentTable.Entry(0x7f00_1234_5000L, 0x1e83f9, 0x3f4c_3000L, 0x1e9000),
                new KexecSegmentTable.Entry(0x7f00_1200_0000L, 0, 0x20_4000L, 0x1000)));
        // recorded: buf, bufsz, mem, memsz, each a little-endian u64
        assertThat(HexFormat.of().formatHex(table)).isEqualTo(
                "00503412007f0000" + "f9831e0000000000" + "00304c3f00000000" + "00901e0000000000"
                + "00000012007f0000" + "0000000000000000" + "0040200000000000" + "0010000000000000");
    }

    @Test
    void theFlagsAndNumbersAreTheKernelsOwn() {
        assertThat(KexecFlags.KEXEC_ARCH_DEFAULT).isZero();
        assertThat(KexecFlags.LINUX_REBOOT_CMD_KEXEC).isEqualTo(0x45584543); // "EXEC"
        assertThat(KexecFlags.kexecLoadSyscall("x86_64")).isEqualTo(246);
        assertThat(KexecFlags.kexecLoadSyscall("aarch64")).isEqualTo(104);
    }
}
