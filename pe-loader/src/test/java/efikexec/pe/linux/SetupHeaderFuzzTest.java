package efikexec.pe.linux;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.model.FormatException;
import efikexec.pe.SyntheticPe;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Truncates and corrupts setup headers with a fixed seed: {@link SetupHeader#parse} must either
 * succeed, with its payload inside the file, or throw {@link FormatException} naming a field.
 */
class SetupHeaderFuzzTest {
    private static final long SEED = 0x5e7_0b_0a7L;
    private static final int ROUNDS = 50_000;
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200, 0x9ff, 0xa00,
        0x020b, 0x020c, 0x020f, 0xaa55, 0x53726448L, 0x7fff_ffffL, 0x8000_0000L, 0xffff_fff8L, 0xffff_ffffL};

    /** Fields worth hitting: setup_sects, boot_flag, "HdrS", version, kernel_version, payload_offset/length. */
    private static final int[] FIELDS = {0x1f1, 0x1fe, 0x202, 0x206, 0x20e, 0x236, 0x248, 0x24c, 0x258, 0x260};

    @Test
    void onlyFormatExceptionsOrSuccess() {
        Random r = new Random(SEED);
        byte[] seed = SyntheticBzImage.build();
        int ok = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] f = mutate(seed, r);
            String outcome = exercise(f, round);
            if (outcome == null) ok++;
            else refused++;
        }
        // the fuzzing reaches both outcomes
        assertThat(ok).isGreaterThan(ROUNDS / 20);
        assertThat(refused).isGreaterThan(ROUNDS / 20);
    }

    /** null on success, the refused field otherwise; anything but a FormatException fails the test. */
    static String exercise(byte[] f, int round) {
        try {
            SetupHeader h = SetupHeader.parse(f);
            assertThat(h.payloadFileOffset() + h.payloadLength()).isLessThanOrEqualTo(f.length);
            assertThat(h.setupSize()).isLessThanOrEqualTo(f.length);
            assertThat(h.version()).isGreaterThanOrEqualTo(SetupHeader.MIN_VERSION);
            assertThat(h.compression()).isNotNull();
            assertThat(h.kernelVersion()).isNotNull();
            assertThat(h.toString()).isNotBlank();
            h.xloadflagNames();
            h.loadflagNames();
            return null;
        } catch (FormatException e) {
            assertThat(e.field()).isNotBlank();
            assertThat(e.offset()).isBetween(0L, (long) SetupHeader.END);
            assertThat(e.describe()).isNotBlank();
            return e.field();
        } catch (RuntimeException e) {
            throw new AssertionError("round " + round + ": " + e + " for header "
                    + HexFormat.of().formatHex(f, 0x1f0, Math.min(f.length, 0x270)), e);
        }
    }

    private static byte[] mutate(byte[] seed, Random r) {
        byte[] f = seed.clone();
        int edits = 1 + r.nextInt(3);
        for (int i = 0; i < edits; i++) {
            switch (r.nextInt(5)) {
                case 0 -> f = Arrays.copyOf(f, r.nextInt(f.length + 1)); // truncate
                case 1 -> { // flip a bit in the header
                    int at = 0x1f1 + r.nextInt(SetupHeader.END - 0x1f1);
                    if (at < f.length) f[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 2 -> { // an interesting value in a field
                    int at = FIELDS[r.nextInt(FIELDS.length)];
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    if (at + 4 <= f.length) SyntheticPe.putU32(f, at, v);
                }
                case 3 -> { // a small field value, e.g. setup_sects or a u16
                    int at = FIELDS[r.nextInt(FIELDS.length)];
                    if (at < f.length) f[at] = (byte) r.nextInt(256);
                }
                default -> { // a random byte anywhere, the payload's magic included
                    if (f.length > 0) f[r.nextInt(f.length)] = (byte) r.nextInt(256);
                }
            }
        }
        return f;
    }
}
