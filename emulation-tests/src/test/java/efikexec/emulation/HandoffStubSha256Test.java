package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.Permission;
import efikexec.emulator.backend.StopReason;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.purgatory.stub.Aarch64HandoffStub;
import efikexec.purgatory.stub.HandoffParameters;
import efikexec.purgatory.stub.SegmentCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The arm64 handoff stub run in Unicorn (the "max" CPU, which has the SHA2 instructions and mixed
 * endianness): its SHA-256 routines against Java's MessageDigest, their instructions per byte, and
 * the whole stub entering a fake kernel or refusing a corrupted segment.
 */
class HandoffStubSha256Test {
    private static final long RAM = 0x4000_0000L;
    private static final long RAM_SIZE = 32L << 20;
    private static final long RETURN = RAM + 0x1000; // a `b .` the routines return to
    private static final long OUT = RAM + 0x2000;
    private static final long STUB = RAM + 0x10_0000;
    private static final long DATA = RAM + 0x20_0000;
    private static final long UART = 0x0900_0000L; // QEMU virt's PL011, here plain RAM (UARTFR reads 0)
    private static final int B_SELF = 0x14000000; // b .
    private static final long TIME_BUDGET_MICROS = 30_000_000;

    /** The ID registers the stub reads: op0, op1, CRn, CRm, op2 as MRS encodes them. */
    private static final int[] ID_AA64ISAR0_EL1 = {3, 0, 0, 6, 0};
    private static final int[] ID_AA64MMFR0_EL1 = {3, 0, 0, 7, 0};

    /** The three ways the stub can hash. */
    enum Path {
        /** sha256h & co. with SCTLR_EL1.EE set around the loop: ld1 reads the big-endian words. */
        SHA2(Aarch64HandoffStub.SHA256_SHA2, null),
        /** The same on a CPU without mixed endianness (ID_AA64MMFR0_EL1.BigEnd = 0): rev32 per block. */
        SHA2_REV32(Aarch64HandoffStub.SHA256_SHA2, ID_AA64MMFR0_EL1),
        /** General-purpose registers only. */
        SCALAR(Aarch64HandoffStub.SHA256_SCALAR, null);

        final int slot;
        final int[] zeroedIdRegister;

        Path(int slot, int[] zeroedIdRegister) {
            this.slot = slot;
            this.zeroedIdRegister = zeroedIdRegister;
        }
    }

    /** An engine with RAM, a UART page and the stub (with an empty parameter block) at STUB. */
    private static final class StubCpu implements AutoCloseable {
        final UnicornBackend cpu = UnicornBackend.openAarch64(InProcessRun.unicorn());
        final List<Integer> interrupts = new ArrayList<>();

        /** @param zeroedIdRegisters ID registers that read as 0 (features the CPU then lacks) */
        StubCpu(boolean counting, int[]... zeroedIdRegisters) {
            cpu.mapRam(RAM, RAM_SIZE, Permission.ALL);
            cpu.mapRam(UART, 0x1000, Permission.READ | Permission.WRITE);
            if (zeroedIdRegisters.length > 0) {
                cpu.onSystemRegisterRead((op0, op1, crn, crm, op2) -> {
                    for (int[] r : zeroedIdRegisters) {
                        if (r[0] == op0 && r[1] == op1 && r[2] == crn && r[3] == crm && r[4] == op2) return 0L;
                    }
                    return null;
                });
            }
            cpu.countInstructions(counting);
            cpu.onInterrupt(n -> {
                interrupts.add(n);
                cpu.stop();
            });
            cpu.memory().writeU32(RETURN, B_SELF);
            cpu.onInstructionAt(RETURN, cpu::stop);
            load(STUB, new HandoffParameters(0, 0, new long[4], List.of()));
        }

        void load(long at, HandoffParameters p) {
            cpu.memory().write(at, Aarch64HandoffStub.build(p));
        }

        /** Calls the routine at {@code slot} of the stub's entry table on data at {@code address}. */
        byte[] sha256(int slot, long address, byte[] data) {
            cpu.memory().write(address, data);
            cpu.write(Aarch64Register.X0, address);
            cpu.write(Aarch64Register.X1, data.length);
            cpu.write(Aarch64Register.X2, OUT);
            cpu.write(Aarch64Register.X30, RETURN);
            StopReason stop = cpu.run(STUB + slot, TIME_BUDGET_MICROS, 0);
            assertThat(stop.kind()).as("%s, interrupts %s", stop, interrupts).isEqualTo(StopReason.Kind.STOPPED);
            assertThat(interrupts).as("exceptions taken").isEmpty();
            assertThat(cpu.read(Aarch64Register.PC)).as("returned").isEqualTo(RETURN);
            return cpu.memory().read(OUT, 32);
        }

        @Override
        public void close() {
            cpu.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void nistVectors(Path path) {
        try (StubCpu s = path.zeroedIdRegister == null ? new StubCpu(false) : new StubCpu(false, path.zeroedIdRegister)) {
            for (String[] v : Sha256Vectors.NIST) {
                byte[] got = s.sha256(path.slot, DATA, v[0].getBytes(StandardCharsets.US_ASCII));
                assertThat(HexFormat.of().formatHex(got)).as("%s of \"%s\"", path, v[0]).isEqualTo(v[1]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void randomLengthsAgreeWithMessageDigest(Path path) throws Exception {
        Random random = new Random(6);
        List<Integer> lengths = Sha256Vectors.lengths(random, 150);
        try (StubCpu s = path.zeroedIdRegister == null ? new StubCpu(false) : new StubCpu(false, path.zeroedIdRegister)) {
            for (int i = 0; i < lengths.size(); i++) {
                byte[] data = new byte[lengths.get(i)];
                random.nextBytes(data);
                long at = DATA + 4L * (i % 4); // any word-aligned address
                assertThat(s.sha256(path.slot, at, data)).as("%s of %d bytes at 0x%x", path, data.length, at)
                        .isEqualTo(Sha256Vectors.sha256(data));
            }
        }
    }

    /** Issue 6's figures: ≤ 1.5 instructions/byte with the SHA2 instructions, ≤ 40 scalar. */
    @Test
    void instructionsPerByte() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        double[] perByte = new double[Path.values().length];
        for (Path path : Path.values()) {
            try (StubCpu s = path.zeroedIdRegister == null ? new StubCpu(true) : new StubCpu(true, path.zeroedIdRegister)) {
                long before = s.cpu.instructionCount();
                assertThat(s.sha256(path.slot, DATA, data)).isEqualTo(Sha256Vectors.sha256(data));
                perByte[path.ordinal()] = (double) (s.cpu.instructionCount() - before) / data.length;
            }
        }
        System.out.printf("arm64 handoff stub, SHA-256 of 1 MiB: %.3f instructions/byte with SHA2 (EE loads), "
                + "%.3f with SHA2 and rev32, %.2f scalar%n", perByte[0], perByte[1], perByte[2]);
        assertThat(perByte[Path.SHA2.ordinal()]).as("big-endian loads save the rev32s")
                .isGreaterThan(0).isLessThan(perByte[Path.SHA2_REV32.ordinal()]);
        assertThat(perByte[Path.SHA2_REV32.ordinal()]).isLessThan(perByte[Path.SCALAR.ordinal()]);
    }

    // --- the whole stub ---

    private static final long KERNEL = RAM + 0x40_0000;
    private static final long ENTRY = KERNEL + 0x40;
    private static final long FDT = RAM + 0x80_0000;
    private static final long[] REGISTERS = {FDT, 0x1111, 0x2222, 0x3333};
    /** The FDT segment's zero fill: starts and ends off a 16-byte boundary, so every loop of the check runs. */
    private static final int FDT_ZEROS = 0x8000 - 5000 + 3;

    /** A fake kernel (random bytes, a `b .` at its entry) and a fake FDT, as segments with their digests. */
    private record Bundle(byte[] kernel, byte[] fdt, HandoffParameters parameters) {
        static Bundle make(long uart) throws Exception {
            Random random = new Random(42);
            byte[] kernel = new byte[64 * 1024 + 100]; // not whole blocks: the tail path too
            random.nextBytes(kernel);
            int entry = (int) (ENTRY - KERNEL);
            kernel[entry] = 0;
            kernel[entry + 1] = 0;
            kernel[entry + 2] = 0;
            kernel[entry + 3] = 0x14;
            byte[] fdt = new byte[5000];
            random.nextBytes(fdt);
            List<SegmentCheck> segments = List.of(new SegmentCheck(KERNEL, kernel.length, Sha256Vectors.sha256(kernel)),
                    new SegmentCheck(FDT, fdt.length, FDT_ZEROS, Sha256Vectors.sha256(fdt)),
                    new SegmentCheck(FDT + 0x10000, 0, Sha256Vectors.sha256(new byte[0])));
            return new Bundle(kernel, fdt, new HandoffParameters(uart, ENTRY, REGISTERS, segments));
        }
    }

    /** What a run of the whole stub did. */
    private record Handoff(boolean enteredKernel, boolean halted, long[] registers, String console, long pc,
            long instructions, StopReason stop, List<Integer> interrupts) {
    }

    private static Handoff runStub(long at, Bundle bundle, byte[] fdtInMemory, int[]... zeroedIdRegisters) {
        try (StubCpu s = new StubCpu(true, zeroedIdRegisters)) {
            s.load(at, bundle.parameters());
            s.cpu.memory().write(KERNEL, bundle.kernel());
            s.cpu.memory().write(FDT, fdtInMemory);
            boolean[] entered = {false};
            long[] registers = new long[4];
            s.cpu.onInstructionAt(ENTRY, () -> {
                entered[0] = true;
                for (int i = 0; i < 4; i++) registers[i] = s.cpu.read(Aarch64Register.x(i));
                s.cpu.stop();
            });
            StringBuilder console = new StringBuilder();
            s.cpu.onInstructionAt(at + Aarch64HandoffStub.routineOffset(Aarch64HandoffStub.PUTC), () -> {
                console.append((char) (s.cpu.read(Aarch64Register.X0) & 0xff));
                assertThat(s.cpu.read(Aarch64Register.X21)).as("putc's UART").isEqualTo(bundle.parameters().uart());
            });
            // The halt loop never ends (and wfe is slow to emulate): stop where it starts. The budget
            // only ends a run that went astray (the scalar path needs ~2 M instructions here).
            boolean[] halted = {false};
            s.cpu.onInstructionAt(at + Aarch64HandoffStub.routineOffset(Aarch64HandoffStub.HALT), () -> {
                halted[0] = true;
                s.cpu.stop();
            });
            StopReason stop = s.cpu.run(at + Aarch64HandoffStub.MAIN, TIME_BUDGET_MICROS, 20_000_000);
            if (!console.isEmpty()) {
                assertThat(s.cpu.memory().readU32(UART)).as("the last byte written to UARTDR").isEqualTo('\n');
            }
            return new Handoff(entered[0], halted[0], registers, console.toString(), s.cpu.read(Aarch64Register.PC),
                    s.cpu.instructionCount(), stop, List.copyOf(s.interrupts));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {STUB, STUB + 0x37000}) // position independent: any 4 KiB-aligned place
    void correctSegmentsEnterTheKernelWithItsRegisters(long at) throws Exception {
        Bundle bundle = Bundle.make(UART);
        Handoff sha2 = runStub(at, bundle, bundle.fdt());
        assertThat(sha2.enteredKernel()).as("%s", sha2).isTrue();
        assertThat(sha2.halted()).isFalse();
        assertThat(sha2.pc()).isEqualTo(ENTRY);
        assertThat(sha2.registers()).containsExactly(REGISTERS);
        assertThat(sha2.console()).isEmpty();
        assertThat(sha2.interrupts()).isEmpty();

        // A CPU without the SHA2 instructions takes the scalar routine: same outcome, far more work.
        Handoff scalar = runStub(at, bundle, bundle.fdt(), ID_AA64ISAR0_EL1);
        assertThat(scalar.enteredKernel()).as("%s", scalar).isTrue();
        assertThat(scalar.registers()).containsExactly(REGISTERS);
        assertThat(scalar.instructions()).as("scalar vs SHA2 instructions").isGreaterThan(10 * sha2.instructions());
    }

    @Test
    void aFlippedByteIsReportedAndTheKernelNeverEntered() throws Exception {
        Bundle bundle = Bundle.make(UART);
        byte[] corrupt = bundle.fdt().clone();
        corrupt[4321] ^= 0x01;
        for (int[][] cpu : new int[][][] {{}, {ID_AA64ISAR0_EL1}}) {
            Handoff h = runStub(STUB, bundle, corrupt, cpu);
            assertThat(h.enteredKernel()).as("entered the kernel").isFalse();
            assertThat(h.console()).isEqualTo(String.format(
                    "efikexec handoff: segment 1 (0x%x, %d bytes): SHA-256 mismatch\n", FDT, 5000 + FDT_ZEROS));
            assertThat(h.interrupts()).as("exceptions taken").isEmpty();
            assertThat(h.halted()).as("reached the halt loop").isTrue();
            assertThat(h.pc()).isEqualTo(STUB + Aarch64HandoffStub.routineOffset(Aarch64HandoffStub.HALT));
        }
    }

    @Test
    void aNonZeroByteInTheZeroFillIsReportedAndTheKernelNeverEntered() throws Exception {
        Bundle bundle = Bundle.make(UART);
        // the first byte (the byte loop up to a 16-byte boundary), one in the 16-byte loop, the last
        for (int at : new int[] {0, 0x1234, FDT_ZEROS - 1}) {
            byte[] memory = java.util.Arrays.copyOf(bundle.fdt(), 5000 + FDT_ZEROS);
            memory[5000 + at] = (byte) 0x80;
            Handoff h = runStub(STUB, bundle, memory);
            assertThat(h.enteredKernel()).as("zero-fill byte %d: entered the kernel", at).isFalse();
            assertThat(h.console()).isEqualTo(String.format(
                    "efikexec handoff: segment 1 (0x%x, %d bytes): not zero past its stored bytes\n", FDT, 5000 + FDT_ZEROS));
            assertThat(h.halted()).isTrue();
        }
        // one byte past the zero fill is not the segment's: the kernel is entered
        byte[] after = java.util.Arrays.copyOf(bundle.fdt(), 5000 + FDT_ZEROS + 1);
        after[5000 + FDT_ZEROS] = 1;
        assertThat(runStub(STUB, bundle, after).enteredKernel()).isTrue();
    }

    @Test
    void withoutAConsoleAMismatchHaltsSilently() throws Exception {
        Bundle bundle = Bundle.make(0);
        byte[] corrupt = bundle.fdt().clone();
        corrupt[0] ^= (byte) 0x80;
        Handoff h = runStub(STUB, bundle, corrupt);
        assertThat(h.enteredKernel()).isFalse();
        assertThat(h.console()).isEmpty();
        assertThat(h.halted()).as("reached the halt loop").isTrue();
    }
}
