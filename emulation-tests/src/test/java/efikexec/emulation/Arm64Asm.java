package efikexec.emulation;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoders for the few A64 instructions the tiny test applications use, and a {@link Program}
 * builder with labels (for adr, b, cbz, cbnz) and data. Each encoder is checked against the
 * encoding GNU as gives and by running it in Unicorn (Arm64AsmTest). Register 31 is sp where
 * the instruction's base or immediate-add operand is sp, and xzr elsewhere (as in the
 * architecture).
 */
final class Arm64Asm {
    static final int SP = 31;
    static final int XZR = 31;
    static final int X16 = 16;
    static final int FP = 29;
    static final int LR = 30;

    static final int RET = 0xD65F03C0;
    static final int NOP = 0xD503201F;

    private Arm64Asm() {
    }

    private static int reg(int r) {
        if (r < 0 || r > 31) throw new IllegalArgumentException("register " + r);
        return r;
    }

    private static int hw(int shift) {
        if (shift != 0 && shift != 16 && shift != 32 && shift != 48) throw new IllegalArgumentException("shift " + shift);
        return shift / 16;
    }

    private static int imm16(int imm) {
        if (imm < 0 || imm > 0xffff) throw new IllegalArgumentException("imm16 " + imm);
        return imm;
    }

    /** movz xd, #imm16, lsl #shift. */
    static int movz(int rd, int imm16, int shift) {
        return 0xD2800000 | hw(shift) << 21 | imm16(imm16) << 5 | reg(rd);
    }

    static int movz(int rd, int imm16) {
        return movz(rd, imm16, 0);
    }

    /** movk xd, #imm16, lsl #shift. */
    static int movk(int rd, int imm16, int shift) {
        return 0xF2800000 | hw(shift) << 21 | imm16(imm16) << 5 | reg(rd);
    }

    /** mov xd, xm (orr xd, xzr, xm); not for sp. */
    static int mov(int rd, int rm) {
        return 0xAA0003E0 | reg(rm) << 16 | reg(rd);
    }

    /** add xd|sp, xn|sp, #imm12 (optionally lsl #12). */
    static int add(int rd, int rn, int imm12, boolean lsl12) {
        if (imm12 < 0 || imm12 > 0xfff) throw new IllegalArgumentException("imm12 " + imm12);
        return 0x91000000 | (lsl12 ? 1 << 22 : 0) | imm12 << 10 | reg(rn) << 5 | reg(rd);
    }

    static int add(int rd, int rn, int imm12) {
        return add(rd, rn, imm12, false);
    }

    /** sub xd|sp, xn|sp, #imm12. */
    static int sub(int rd, int rn, int imm12) {
        if (imm12 < 0 || imm12 > 0xfff) throw new IllegalArgumentException("imm12 " + imm12);
        return 0xD1000000 | imm12 << 10 | reg(rn) << 5 | reg(rd);
    }

    private static int scaled8(int offset) {
        if (offset < 0 || offset % 8 != 0 || offset / 8 > 0xfff) throw new IllegalArgumentException("offset " + offset);
        return offset / 8;
    }

    /** ldr xt, [xn|sp, #offset] (unsigned offset, a multiple of 8). */
    static int ldr(int rt, int rn, int offset) {
        return 0xF9400000 | scaled8(offset) << 10 | reg(rn) << 5 | reg(rt);
    }

    /** str xt, [xn|sp, #offset]. */
    static int str(int rt, int rn, int offset) {
        return 0xF9000000 | scaled8(offset) << 10 | reg(rn) << 5 | reg(rt);
    }

    private static int imm7(int offset) {
        if (offset % 8 != 0 || offset < -512 || offset > 504) throw new IllegalArgumentException("offset " + offset);
        return (offset / 8) & 0x7f;
    }

    /** stp xt1, xt2, [xn|sp, #offset]! (pre-index). */
    static int stpPre(int rt1, int rt2, int rn, int offset) {
        return 0xA9800000 | imm7(offset) << 15 | reg(rt2) << 10 | reg(rn) << 5 | reg(rt1);
    }

    /** ldp xt1, xt2, [xn|sp], #offset (post-index). */
    static int ldpPost(int rt1, int rt2, int rn, int offset) {
        return 0xA8C00000 | imm7(offset) << 15 | reg(rt2) << 10 | reg(rn) << 5 | reg(rt1);
    }

    /** adr xd, . + offset (±1 MiB). */
    static int adr(int rd, int offset) {
        if (offset < -(1 << 20) || offset >= (1 << 20)) throw new IllegalArgumentException("adr offset " + offset);
        return 0x10000000 | (offset & 3) << 29 | ((offset >> 2) & 0x7ffff) << 5 | reg(rd);
    }

    private static int words(int offset, int bits) {
        if (offset % 4 != 0) throw new IllegalArgumentException("branch offset " + offset);
        int w = offset / 4;
        if (w < -(1 << (bits - 1)) || w >= (1 << (bits - 1))) throw new IllegalArgumentException("branch offset " + offset);
        return w & ((1 << bits) - 1);
    }

    /** b . + offset. */
    static int b(int offset) {
        return 0x14000000 | words(offset, 26);
    }

    /** cbz xt, . + offset. */
    static int cbz(int rt, int offset) {
        return 0xB4000000 | words(offset, 19) << 5 | reg(rt);
    }

    /** cbnz xt, . + offset. */
    static int cbnz(int rt, int offset) {
        return 0xB5000000 | words(offset, 19) << 5 | reg(rt);
    }

    /** blr xn. */
    static int blr(int rn) {
        return 0xD63F0000 | reg(rn) << 5;
    }

    /** udf #imm16: permanently undefined. */
    static int udf(int imm16) {
        return imm16(imm16);
    }

    /**
     * Code, then data, with labels. Branch and adr targets are resolved in {@link #assemble()};
     * offsets in the result are from its first byte (the image's entry point when the program is
     * the start of .text).
     */
    static final class Program {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Map<String, Integer> labels = new HashMap<>();
        private final List<int[]> fixups = new ArrayList<>(); // {at, kind, reg}
        private final List<String> fixupLabels = new ArrayList<>();
        private static final int ADR = 0, B = 1, CBZ = 2, CBNZ = 3;

        int position() {
            return bytes.size();
        }

        Program emit(int... insns) {
            if (bytes.size() % 4 != 0) throw new IllegalStateException("code after unaligned data");
            for (int w : insns) {
                for (int k = 0; k < 4; k++) bytes.write(w >>> (8 * k));
            }
            return this;
        }

        Program label(String name) {
            if (labels.putIfAbsent(name, bytes.size()) != null) throw new IllegalArgumentException("label twice: " + name);
            return this;
        }

        private Program fixup(int kind, int reg, String label) {
            fixups.add(new int[] {bytes.size(), kind, reg});
            fixupLabels.add(label);
            return emit(0);
        }

        Program adr(int rd, String label) {
            return fixup(ADR, rd, label);
        }

        Program b(String label) {
            return fixup(B, 0, label);
        }

        Program cbz(int rt, String label) {
            return fixup(CBZ, rt, label);
        }

        Program cbnz(int rt, String label) {
            return fixup(CBNZ, rt, label);
        }

        /** xd = value, by movz and as many movk as it needs. */
        Program mov64(int rd, long value) {
            emit(movz(rd, (int) (value & 0xffff), 0));
            for (int shift = 16; shift < 64; shift += 16) {
                int part = (int) ((value >>> shift) & 0xffff);
                if (part != 0) emit(movk(rd, part, shift));
            }
            return this;
        }

        /** x16 = *(xTable + offset); blr x16. */
        Program call(int tableReg, int offset) {
            return emit(ldr(X16, tableReg, offset), blr(X16));
        }

        Program align(int n) {
            while (bytes.size() % n != 0) bytes.write(0);
            return this;
        }

        /** A NUL-terminated UCS-2 string, 2-byte aligned. */
        Program ucs2(String label, String text) {
            align(2);
            label(label);
            bytes.writeBytes((text + "\0").getBytes(StandardCharsets.UTF_16LE));
            return this;
        }

        /** Raw bytes (an embedded file), 8-byte aligned. */
        Program data(String label, byte[] content) {
            align(8);
            label(label);
            bytes.writeBytes(content);
            return this;
        }

        /** A zero-filled, 8-byte aligned variable of {@code size} bytes. */
        Program zeros(String label, int size) {
            align(8);
            label(label);
            bytes.writeBytes(new byte[size]);
            return this;
        }

        int offsetOf(String label) {
            Integer at = labels.get(label);
            if (at == null) throw new IllegalArgumentException("no label " + label);
            return at;
        }

        byte[] assemble() {
            byte[] out = bytes.toByteArray();
            for (int i = 0; i < fixups.size(); i++) {
                int[] f = fixups.get(i);
                int rel = offsetOf(fixupLabels.get(i)) - f[0];
                int w = switch (f[1]) {
                    case ADR -> Arm64Asm.adr(f[2], rel);
                    case B -> Arm64Asm.b(rel);
                    case CBZ -> Arm64Asm.cbz(f[2], rel);
                    case CBNZ -> Arm64Asm.cbnz(f[2], rel);
                    default -> throw new IllegalStateException();
                };
                for (int k = 0; k < 4; k++) out[f[0] + k] = (byte) (w >>> (8 * k));
            }
            return out;
        }
    }
}
