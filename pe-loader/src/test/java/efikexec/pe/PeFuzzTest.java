package efikexec.pe;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.model.FormatException;
import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.pe.linux.Arm64ImageHeader;
import efikexec.pe.reloc.BaseRelocations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Truncates and corrupts small synthetic PE images with a fixed seed: parsing, identifying,
 * listing relocations and loading must either succeed or throw {@link FormatException}.
 */
class PeFuzzTest {
    private static final long SEED = 0x5eed_efL;
    private static final int ROUNDS = 20_000;
    private static final long[] INTERESTING = {0, 1, 2, 7, 8, 0x40, 0x200, 0x7ff, 0x800, 0x1000, 0x4ff8, 0x5000,
        0x7fff_ffffL, 0x8000_0000L, 0xffff_fff8L, 0xffff_ffffL};

    private static byte[][] seeds() {
        byte[] bz = new SyntheticPe().machine(0x8664).build();
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, bz, 0x202, 4);
        byte[] zboot = new SyntheticPe().build();
        System.arraycopy("zimg".getBytes(StandardCharsets.US_ASCII), 0, zboot, 4, 4);
        return new byte[][] {new SyntheticPe().build(), new SyntheticPe().arm64Header().build(), bz, zboot};
    }

    @Test
    void onlyFormatExceptionsOrSuccess() {
        Random r = new Random(SEED);
        byte[][] seeds = seeds();
        int ok = 0, refused = 0, loaded = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] f = mutate(seeds[r.nextInt(seeds.length)], r);
            try {
                exercise(f);
                ok++;
                if (PeParser.parse(f).sizeOfImage() <= 1 << 20) loaded++;
            } catch (FormatException e) {
                assertThat(e.field()).isNotBlank();
                assertThat(e.describe()).isNotBlank();
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("round " + round + ": " + e + " for input "
                        + java.util.HexFormat.of().formatHex(f, 0, Math.min(f.length, 0x300)), e);
            }
        }
        // the fuzzing reaches both outcomes, and loading
        assertThat(ok).isGreaterThan(ROUNDS / 20);
        assertThat(refused).isGreaterThan(ROUNDS / 20);
        assertThat(loaded).isGreaterThan(ROUNDS / 50);
    }

    private static void exercise(byte[] f) {
        IdentifiedImage id = ImageIdentifier.identify(f);
        PeImage pe = id.pe();
        BaseRelocations.parse(pe, f);
        if (Arm64ImageHeader.isArm64Image(f)) Arm64ImageHeader.parse(f);
        if (pe.sizeOfImage() <= 1 << 20) {
            ByteArrayGuestMemory mem = new ByteArrayGuestMemory(0x4000_0000L, (int) pe.sizeOfImage());
            pe.load(f, mem, 0x4000_0000L);
            if (pe.imageBase() >= 0 && pe.imageBase() < 1L << 52) { // a physical address
                pe.load(f, new ByteArrayGuestMemory(pe.imageBase(), (int) pe.sizeOfImage()), pe.imageBase());
            }
        }
    }

    private static byte[] mutate(byte[] seed, Random r) {
        byte[] f = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            switch (r.nextInt(5)) {
                case 0 -> f = Arrays.copyOf(f, r.nextInt(f.length + 1)); // truncate
                case 1 -> { // flip bits, mostly in the headers
                    if (f.length == 0) break;
                    int at = r.nextInt(4) == 0 ? r.nextInt(f.length) : r.nextInt(Math.min(f.length, 0x200));
                    f[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 2 -> { // an interesting u32 in the headers or the relocation table
                    int region = r.nextInt(3) == 0 ? 0x600 : 0;
                    int at = region + (r.nextInt(0x200) & ~1);
                    if (at + 4 <= f.length) {
                        SyntheticPe.putU32(f, at, INTERESTING[r.nextInt(INTERESTING.length)]);
                    }
                }
                case 3 -> { // a random relocation entry
                    int at = 0x608 + 2 * r.nextInt(4);
                    if (at + 2 <= f.length) SyntheticPe.putU16(f, at, r.nextInt(0x10000));
                }
                default -> { // random byte
                    if (f.length > 0) f[r.nextInt(f.length)] = (byte) r.nextInt(256);
                }
            }
        }
        return f;
    }
}
