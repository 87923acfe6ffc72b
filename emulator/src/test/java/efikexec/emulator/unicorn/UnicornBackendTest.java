package efikexec.emulator.unicorn;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.Permission;
import efikexec.emulator.backend.StopReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnicornBackendTest {
    private static final long BASE = 0x4000_0000L;

    private static byte[] code(int... insns) {
        byte[] b = new byte[insns.length * 4];
        for (int i = 0; i < insns.length; i++) {
            for (int k = 0; k < 4; k++) b[4 * i + k] = (byte) (insns[i] >>> (8 * k));
        }
        return b;
    }

    @Test
    void svcTrapArrivesAsInterruptTwoWithPcPastIt() {
        try (UnicornBackend b = UnicornBackend.openAarch64(UnicornRuntime.load(null))) {
            assertThat(b.version()).isEqualTo("2.1.1");
            b.mapRam(BASE, 32L << 20, Permission.ALL);
            // movz x0, #0x1234 ; svc #5 ; b .
            b.memory().write(BASE, code(0xD2824680, 0xD40000A1, 0x14000000));
            List<long[]> seen = new ArrayList<>();
            b.onInterrupt(n -> {
                seen.add(new long[] {n, b.read(Aarch64Register.PC), b.read(Aarch64Register.X0)});
                b.stop();
            });
            StopReason r = b.run(BASE, 1_000_000, 0);
            assertThat(r.kind()).isEqualTo(StopReason.Kind.STOPPED);
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0)).containsExactly(2, BASE + 8, 0x1234);
        }
    }

    @Test
    void fetchFromPageWithoutExecStopsWithItsAddress() {
        try (UnicornBackend b = UnicornBackend.openAarch64(UnicornRuntime.load(null))) {
            b.mapRam(BASE, 32L << 20, Permission.ALL);
            long target = BASE + 0x10_0000;
            // b +0x100000 (imm26 = 0x40000)
            b.memory().write(BASE, code(0x14000000 | 0x40000));
            b.memory().write(target, code(0x14000000));
            b.protect(target, 4096, Permission.READ | Permission.WRITE);
            StopReason r = b.run(BASE, 1_000_000, 0);
            assertThat(r.kind()).isEqualTo(StopReason.Kind.FETCH_PROTECTED);
            assertThat(b.read(Aarch64Register.PC)).isEqualTo(target);
        }
    }
}
