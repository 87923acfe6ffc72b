package efikexec.emulation;

import static efikexec.emulation.Arm64Asm.FP;
import static efikexec.emulation.Arm64Asm.LR;
import static efikexec.emulation.Arm64Asm.SP;
import static efikexec.emulation.Arm64Asm.X16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.Permission;
import efikexec.emulator.backend.StopReason;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The encoders against the words GNU as (binutils-aarch64-linux-gnu 2.40) assembles the same
 * instructions to, and a program built from them run in Unicorn.
 */
class Arm64AsmTest {
    private static final long BASE = 0x4000_0000L;

    private static void same(int expected, int actual, String asm) {
        assertEquals(String.format("%08x", expected), String.format("%08x", actual), asm);
    }

    @Test
    void encodingsMatchGnuAs() {
        same(0xd2824680, Arm64Asm.movz(0, 0x1234), "movz x0, #0x1234");
        same(0xd2a20001, Arm64Asm.movz(1, 0x1000, 16), "movz x1, #0x1000, lsl #16");
        same(0xd2ffffe2, Arm64Asm.movz(2, 0xffff, 48), "movz x2, #0xffff, lsl #48");
        same(0xf2f00000, Arm64Asm.movk(0, 0x8000, 48), "movk x0, #0x8000, lsl #48");
        same(0xf2d579a3, Arm64Asm.movk(3, 0xabcd, 32), "movk x3, #0xabcd, lsl #32");
        same(0xaa0003f3, Arm64Asm.mov(19, 0), "mov x19, x0");
        same(0xaa1503e0, Arm64Asm.mov(0, 21), "mov x0, x21");
        same(0x91004021, Arm64Asm.add(1, 1, 0x10), "add x1, x1, #0x10");
        same(0x910003fd, Arm64Asm.add(FP, SP, 0), "mov x29, sp");
        same(0x91400441, Arm64Asm.add(1, 2, 1, true), "add x1, x2, #1, lsl #12");
        same(0xd10083ff, Arm64Asm.sub(SP, SP, 0x20), "sub sp, sp, #0x20");
        same(0xf9403021, Arm64Asm.ldr(1, 1, 0x60), "ldr x1, [x1, #0x60]");
        same(0xf9406eb0, Arm64Asm.ldr(X16, 21, 0xd8), "ldr x16, [x21, #0xd8]");
        same(0xf9400020, Arm64Asm.ldr(0, 1, 0), "ldr x0, [x1]");
        same(0xf9000521, Arm64Asm.str(1, 9, 8), "str x1, [x9, #8]");
        same(0xa9bf7bfd, Arm64Asm.stpPre(FP, LR, SP, -16), "stp x29, x30, [sp, #-16]!");
        same(0xa9be53f3, Arm64Asm.stpPre(19, 20, SP, -32), "stp x19, x20, [sp, #-32]!");
        same(0xa8c17bfd, Arm64Asm.ldpPost(FP, LR, SP, 16), "ldp x29, x30, [sp], #16");
        same(0xa8c253f3, Arm64Asm.ldpPost(19, 20, SP, 32), "ldp x19, x20, [sp], #32");
        same(0xd63f0200, Arm64Asm.blr(X16), "blr x16");
        same(0xd65f03c0, Arm64Asm.RET, "ret");
        same(0xd503201f, Arm64Asm.NOP, "nop");
        same(0x00000000, Arm64Asm.udf(0), "udf #0");
        same(0x00001234, Arm64Asm.udf(0x1234), "udf #0x1234");
        same(0x14000000, Arm64Asm.b(0), "b .");
        same(0x14000002, Arm64Asm.b(8), "b .+8");
        same(0x17ffffff, Arm64Asm.b(-4), "b .-4");
        same(0xb5000060, Arm64Asm.cbnz(0, 12), "cbnz x0, .+12");
        same(0xb5ffffc0, Arm64Asm.cbnz(0, -8), "cbnz x0, .-8");
        same(0xb4000205, Arm64Asm.cbz(5, 0x40), "cbz x5, .+0x40");
        same(0x10000200, Arm64Asm.adr(0, 0x40), "adr x0, .+0x40");
        same(0x30ffffe2, Arm64Asm.adr(2, -3), "adr x2, .-3");
        same(0x503fffe1, Arm64Asm.adr(1, 0x7fffe), "adr x1, .+0x7fffe");
    }

    @Test
    void programResolvesLabelsAndData() {
        Arm64Asm.Program p = new Arm64Asm.Program();
        p.label("top").adr(0, "msg").b("top").cbnz(1, "top").cbz(2, "end").label("end").emit(Arm64Asm.RET);
        p.ucs2("msg", "hi");
        byte[] code = p.assemble();
        assertEquals(20 + 6, code.length);
        assertEquals(20, p.offsetOf("msg"));
        assertEquals(Arm64Asm.adr(0, 20), word(code, 0));
        assertEquals(Arm64Asm.b(-4), word(code, 4));
        assertEquals(Arm64Asm.cbnz(1, -8), word(code, 8));
        assertEquals(Arm64Asm.cbz(2, 4), word(code, 12));
        assertThat(new String(code, 20, 6, java.nio.charset.StandardCharsets.UTF_16LE)).isEqualTo("hi\0");
    }

    private static int word(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** Every encoder in one program that Unicorn runs: the registers and memory say each did its part. */
    @Test
    void programRunsInUnicorn() {
        Arm64Asm.Program p = new Arm64Asm.Program();
        p.mov64(0, 0x8000_0000_0000_0015L) // movz + movk
                .emit(Arm64Asm.movz(1, 0x1000, 16), Arm64Asm.movk(1, 0xabcd, 32)) // 0xabcd_1000_0000
                .emit(Arm64Asm.mov(2, 0))
                .adr(3, "data")
                .emit(Arm64Asm.ldr(4, 3, 8)) // 0x1122334455667788
                .emit(Arm64Asm.add(5, 4, 0x10), Arm64Asm.add(5, 5, 1, true), Arm64Asm.sub(6, 5, 1))
                .emit(Arm64Asm.str(6, 3, 16))
                .emit(Arm64Asm.stpPre(FP, LR, SP, -16), Arm64Asm.ldpPost(7, 8, SP, 16))
                .emit(Arm64Asm.add(9, SP, 0))
                .emit(Arm64Asm.movz(10, 0))
                .cbz(10, "skip1").emit(Arm64Asm.udf(1))
                .label("skip1").cbnz(0, "skip2").emit(Arm64Asm.udf(2))
                .label("skip2").cbnz(10, "bad")
                .adr(X16, "fn").emit(Arm64Asm.blr(X16))
                .label("afterBlr").b("end")
                .label("bad").emit(Arm64Asm.udf(3))
                .label("fn").emit(Arm64Asm.movz(11, 7), Arm64Asm.RET)
                .label("end").emit(Arm64Asm.udf(0x42))
                .zeros("data", 24);
        byte[] code = p.assemble();
        long data = BASE + p.offsetOf("data");
        long end = BASE + p.offsetOf("end");
        try (UnicornBackend cpu = UnicornBackend.openAarch64(InProcessRun.unicorn())) {
            cpu.mapRam(BASE, 1L << 20, Permission.ALL);
            GuestMemory mem = cpu.memory();
            mem.write(BASE, code);
            mem.writeU64(data + 8, 0x1122334455667788L);
            long stack = BASE + 0x8_0000;
            cpu.write(Aarch64Register.SP, stack);
            cpu.write(Aarch64Register.X29, 0x2929);
            cpu.write(Aarch64Register.X30, 0x3030);
            List<long[]> seen = new ArrayList<>();
            cpu.onInterrupt(n -> {
                seen.add(new long[] {n, cpu.read(Aarch64Register.PC)});
                cpu.stop();
            });
            StopReason stop = cpu.run(BASE, 2_000_000, 0);
            assertThat(stop.kind()).isEqualTo(StopReason.Kind.STOPPED);
            assertThat(seen).hasSize(1);
            assertEquals(1, seen.get(0)[0], "udf raises EXCP_UDEF");
            // the udf #0x42 at "end", not one of the udf on the paths that must be skipped
            assertThat(seen.get(0)[1]).isIn(end, end + 4);
            assertEquals(0x8000_0000_0000_0015L, cpu.read(Aarch64Register.X0));
            assertEquals(0xabcd_1000_0000L, cpu.read(Aarch64Register.X1));
            assertEquals(0x8000_0000_0000_0015L, cpu.read(Aarch64Register.X2));
            assertEquals(data, cpu.read(Aarch64Register.X3));
            assertEquals(0x1122334455667788L, cpu.read(Aarch64Register.X4));
            assertEquals(0x1122334455667788L + 0x10 + 0x1000, cpu.read(Aarch64Register.X5));
            assertEquals(0x1122334455667788L + 0x10 + 0x1000 - 1, cpu.read(Aarch64Register.X6));
            assertEquals(cpu.read(Aarch64Register.X6), mem.readU64(data + 16), "str");
            assertEquals(0x2929, cpu.read(Aarch64Register.X7), "stp then ldp");
            assertEquals(0x3030, cpu.read(Aarch64Register.X8), "stp then ldp");
            assertEquals(stack, cpu.read(Aarch64Register.X9), "sp back where it was");
            assertEquals(7, cpu.read(Aarch64Register.X11), "blr reached fn");
            assertEquals(BASE + p.offsetOf("afterBlr"), cpu.read(Aarch64Register.X30), "blr set x30");
            assertEquals(0x2929, mem.readU64(stack - 16));
            assertEquals(0x3030, mem.readU64(stack - 8));
        }
    }

    @Test
    void branchToSelfSpinsUntilTheBudget() {
        try (UnicornBackend cpu = UnicornBackend.openAarch64(InProcessRun.unicorn())) {
            cpu.mapRam(BASE, 1L << 20, Permission.ALL);
            cpu.memory().writeU32(BASE, Arm64Asm.b(0));
            cpu.countInstructions(true);
            StopReason stop = cpu.run(BASE, 2_000_000, 1000);
            assertThat(stop.kind()).isNotEqualTo(StopReason.Kind.UNMAPPED);
            assertEquals(BASE, cpu.read(Aarch64Register.PC));
        }
    }
}
