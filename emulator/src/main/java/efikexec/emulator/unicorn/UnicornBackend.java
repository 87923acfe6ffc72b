package efikexec.emulator.unicorn;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.BackendException;
import efikexec.emulator.backend.EmulatorBackend;
import efikexec.emulator.backend.Register;
import efikexec.emulator.backend.StopReason;
import efikexec.emulator.memory.NativeGuestMemory;
import efikexec.emulator.memory.NativeRam;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/** {@link EmulatorBackend} on Unicorn 2.1 through JNA. */
public final class UnicornBackend implements EmulatorBackend {

    /**
     * Guest RAM is mapped in pieces of this size: uc_mem_protect on part of a region splits it
     * at a cost that grows with the region (EFI-NOTES "Unicorn"), and kernel-entry detection
     * changes protections after ExitBootServices.
     */
    static final long REGION = 16L << 20;

    private final UnicornLibrary uc;
    private final Pointer engine;
    private final String version;
    private final NativeGuestMemory memory = new NativeGuestMemory();
    /** Host memory behind guest RAM, unmapped at close. */
    private record HostMapping(Pointer host, long size) {
    }

    private final List<HostMapping> hostMappings = new ArrayList<>();
    // Callbacks must stay reachable while the engine may call them.
    private final List<Object> callbacks = new ArrayList<>();
    private InterruptListener interruptListener;
    private SystemRegisterListener sysregListener;
    private boolean counting;
    private long instructions = -1;
    private final long[] regValue = new long[1];
    private final long handle;
    private volatile boolean stopRequested;
    private long faultAddress;
    private int faultType;
    private boolean hooksInstalled;
    private final boolean x86;
    private CpuidListener cpuidListener;
    private final java.util.TreeMap<Long, Runnable> instructionActions = new java.util.TreeMap<>();

    private UnicornBackend(UnicornLibrary uc, Pointer engine, String version, boolean x86) {
        this.x86 = x86;
        this.uc = uc;
        this.engine = engine;
        this.handle = Pointer.nativeValue(engine);
        this.version = version;
    }

    /** An arm64 engine (EL1, MMU off: Unicorn's reset state) with the given CPU model. */
    public static UnicornBackend openAarch64(UnicornRuntime runtime) {
        UnicornLibrary uc = runtime.library();
        PointerByReference ref = new PointerByReference();
        check(uc, uc.uc_open(UnicornLibrary.UC_ARCH_ARM64, UnicornLibrary.UC_MODE_ARM, ref), "uc_open(arm64)");
        UnicornDirect.register(runtime.path());
        UnicornBackend b = new UnicornBackend(uc, ref.getValue(), runtime.version(), false);
        b.limitTranslationBuffer();
        // The "max" model implements the newest architecture features Unicorn has (FEAT_RNG,
        // PAuth, LSE…); the ID registers the stub reads are answered by our own table anyway.
        check(uc, uc.uc_ctl(b.engine, UnicornLibrary.ctl(UnicornLibrary.UC_CTL_CPU_MODEL, 1,
                UnicornLibrary.UC_CTL_IO_WRITE), UnicornLibrary.UC_CPU_ARM64_MAX), "uc_ctl(cpu model max)");
        return b;
    }

    /**
     * An x86_64 engine. UC_MODE_64 starts in long mode with paging off (CR0 = PE|ET,
     * EFER = LME|LMA); the CPU adapter sets up page tables, GDT and control registers as
     * firmware leaves them. QEMU's default qemu64 model: its CPUID answers are replaced by the
     * adapter's table, which must not claim more than this model executes.
     */
    public static UnicornBackend openX64(UnicornRuntime runtime) {
        UnicornLibrary uc = runtime.library();
        PointerByReference ref = new PointerByReference();
        check(uc, uc.uc_open(UnicornLibrary.UC_ARCH_X86, UnicornLibrary.UC_MODE_64, ref), "uc_open(x86_64)");
        UnicornDirect.register(runtime.path());
        UnicornBackend b = new UnicornBackend(uc, ref.getValue(), runtime.version(), true);
        b.limitTranslationBuffer();
        return b;
    }

    /** Translated code Unicorn may keep before it flushes: far more than a boot stub needs. */
    static final int TRANSLATION_BUFFER = 128 << 20;

    /**
     * Unicorn's default translation buffer is 1 GiB, mapped with no MAP_NORESERVE: a machine with
     * less RAM than that under the kernel's default overcommit heuristic refuses it ("Could not
     * allocate dynamic translator buffer", then exit), as a 768 MiB kexec test guest did. Set
     * before the engine's first use, which is when Unicorn allocates it.
     */
    private void limitTranslationBuffer() {
        check(uc.uc_ctl(engine, UnicornLibrary.ctl(UnicornLibrary.UC_CTL_TCG_BUFFER_SIZE, 1, UnicornLibrary.UC_CTL_IO_WRITE),
                TRANSLATION_BUFFER), "uc_ctl(tcg buffer size)");
    }

    private static void check(UnicornLibrary uc, int err, String what) {
        if (err != UnicornLibrary.UC_ERR_OK) {
            throw new BackendException(what + " failed: " + uc.uc_strerror(err) + " (" + err + ")");
        }
    }

    private void check(int err, String what) {
        check(uc, err, what);
    }

    @Override
    public void mapRam(long address, long size, int permissions) {
        Pointer host = NativeRam.allocate(size);
        hostMappings.add(new HostMapping(host, size));
        for (long off = 0; off < size; off += REGION) {
            long n = Math.min(REGION, size - off);
            check(UnicornDirect.uc_mem_map_ptr(handle, address + off, n, permissions, Pointer.nativeValue(host) + off),
                    String.format("uc_mem_map_ptr(0x%x, 0x%x)", address + off, n));
        }
        memory.add(address, size, host);
    }

    @Override
    public void protect(long address, long size, int permissions) {
        check(UnicornDirect.uc_mem_protect(handle, address, size, permissions),
                String.format("uc_mem_protect(0x%x, 0x%x, %d)", address, size, permissions));
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public long read(Register register) {
        int err = UnicornDirect.uc_reg_read(handle, id(register), regValue);
        if (err != UnicornLibrary.UC_ERR_OK) check(err, "uc_reg_read(" + register.label() + ")");
        return regValue[0];
    }

    @Override
    public void write(Register register, long value) {
        regValue[0] = value;
        int err = UnicornDirect.uc_reg_write(handle, id(register), regValue);
        if (err != UnicornLibrary.UC_ERR_OK) check(err, "uc_reg_write(" + register.label() + ")");
    }

    private static int id(Register r) {
        if (r instanceof Aarch64Register a) return Aarch64Ids.of(a);
        if (r instanceof efikexec.emulator.backend.X64Register x) return X64Ids.of(x);
        throw new BackendException("register " + r.label() + " is of no architecture this engine knows");
    }

    @Override
    public void writeDescriptorTable(String register, long base, int limit) {
        // uc_x86_mmr: u16 selector, (pad), u64 base @8, u32 limit @16, u32 flags @20
        long[] mmr = {0, base, limit & 0xffffffffL};
        int reg = register.equals("gdtr") ? X64Ids.GDTR : X64Ids.IDTR;
        check(UnicornDirect.uc_reg_write(handle, reg, mmr), "uc_reg_write(" + register + ")");
    }

    @Override
    public void writeMsr(int msr, long value) {
        // uc_x86_msr: u32 rid, (pad), u64 value @8
        check(UnicornDirect.uc_reg_write(handle, X64Ids.MSR, new long[] {msr & 0xffffffffL, value}),
                String.format("uc_reg_write(msr 0x%x)", msr));
    }

    @Override
    public long readMsr(int msr) {
        long[] v = {msr & 0xffffffffL, 0};
        check(UnicornDirect.uc_reg_read(handle, X64Ids.MSR, v), String.format("uc_reg_read(msr 0x%x)", msr));
        return v[1];
    }

    @Override
    public void onInstructionAt(long address, Runnable action) {
        instructionActions.put(address, action);
        // Later (a child image loaded during the run): hooked now, for code not yet translated.
        if (hooksInstalled) addInstructionHook(address);
    }

    private UnicornLibrary.CodeCallback instructionHook;

    private void addInstructionHook(long address) {
        if (instructionHook == null) {
            instructionHook = (e, at, size, user) -> {
                Runnable r = instructionActions.get(at);
                if (r != null) r.run();
            };
            callbacks.add(instructionHook);
        }
        LongByReference hh = new LongByReference();
        check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_CODE, instructionHook, null, address, address),
                String.format("uc_hook_add(code at 0x%x)", address));
    }

    @Override
    public void onCpuid(CpuidListener listener) {
        if (hooksInstalled) throw new IllegalStateException("hooks must be set before the first run");
        this.cpuidListener = listener;
    }

    private void installHooks() {
        if (hooksInstalled) return;
        hooksInstalled = true;
        LongByReference hh = new LongByReference();
        UnicornLibrary.InterruptCallback intr = (e, intno, user) -> {
            if (interruptListener != null) interruptListener.interrupt(intno);
        };
        callbacks.add(intr);
        check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_INTR, intr, null, 1, 0), "uc_hook_add(intr)");

        UnicornLibrary.MemoryEventCallback mem = (e, type, address, size, value, user) -> {
            faultType = type;
            faultAddress = address;
            return false;
        };
        callbacks.add(mem);
        check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_MEM_INVALID, mem, null, 1, 0), "uc_hook_add(mem)");

        if (sysregListener != null) {
            UnicornLibrary.Arm64SysCallback sys = (e, reg, cp, user) -> {
                int crn = cp.getInt(0), crm = cp.getInt(4), op0 = cp.getInt(8), op1 = cp.getInt(12), op2 = cp.getInt(16);
                Long v = sysregListener.read(op0, op1, crn, crm, op2);
                if (v == null) return 0;
                UnicornDirect.uc_reg_write(handle, reg, new long[] {v});
                return 1;
            };
            callbacks.add(sys);
            check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_INSN, sys, null, 1, 0,
                    UnicornLibrary.UC_ARM64_INS_MRS), "uc_hook_add(mrs)");
        }
        if (cpuidListener != null) {
            UnicornLibrary.CpuidCallback cpuid = (e, user) -> {
                long[] regs = new long[1];
                UnicornDirect.uc_reg_read(handle, X64Ids.of(efikexec.emulator.backend.X64Register.RAX), regs);
                int leaf = (int) regs[0];
                UnicornDirect.uc_reg_read(handle, X64Ids.of(efikexec.emulator.backend.X64Register.RCX), regs);
                int subleaf = (int) regs[0];
                long[] out = cpuidListener.cpuid(leaf, subleaf);
                efikexec.emulator.backend.X64Register[] dst = {efikexec.emulator.backend.X64Register.RAX,
                    efikexec.emulator.backend.X64Register.RBX, efikexec.emulator.backend.X64Register.RCX,
                    efikexec.emulator.backend.X64Register.RDX};
                for (int i = 0; i < 4; i++) {
                    UnicornDirect.uc_reg_write(handle, X64Ids.of(dst[i]), new long[] {out[i] & 0xffffffffL});
                }
                return 1; // the instruction is answered: do not run the model's CPUID
            };
            callbacks.add(cpuid);
            check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_INSN, cpuid, null, 1, 0, X64Ids.INS_CPUID),
                    "uc_hook_add(cpuid)");
        }
        for (long a : instructionActions.keySet()) addInstructionHook(a);
        if (counting && x86) {
            // Block sizes are in bytes and x86 instructions vary in length: counting would need a
            // decoder or a hook per instruction. Not offered on x86 (instructionCount stays -1).
            counting = false;
        }
        if (counting) {
            instructions = 0;
            // arm64 instructions are 4 bytes: block size / 4 is the instruction count.
            UnicornLibrary.CodeCallback block = (e, address, size, user) -> instructions += size >>> 2;
            callbacks.add(block);
            check(uc.uc_hook_add(engine, hh, UnicornLibrary.UC_HOOK_BLOCK, block, null, 1, 0), "uc_hook_add(block)");
        }
    }

    @Override
    public StopReason run(long pc, long timeoutMicros, long maxInstructions) {
        installHooks();
        stopRequested = false;
        faultType = -1;
        int err = UnicornDirect.uc_emu_start(handle, pc, -1L, timeoutMicros, maxInstructions);
        if (err == UnicornLibrary.UC_ERR_OK) {
            if (timeoutMicros > 0 && !stopRequested) {
                long[] timedOut = new long[1];
                check(UnicornDirect.uc_query(handle, UnicornLibrary.UC_QUERY_TIMEOUT, timedOut), "uc_query(timeout)");
                if (timedOut[0] != 0) return new StopReason(StopReason.Kind.TIMEOUT, 0, "time budget");
            }
            return StopReason.stopped();
        }
        String message = uc.uc_strerror(err);
        return switch (err) {
            case UnicornLibrary.UC_ERR_FETCH_PROT -> new StopReason(StopReason.Kind.FETCH_PROTECTED, faultAddress, message);
            case UnicornLibrary.UC_ERR_READ_UNMAPPED, UnicornLibrary.UC_ERR_WRITE_UNMAPPED,
                    UnicornLibrary.UC_ERR_FETCH_UNMAPPED -> new StopReason(StopReason.Kind.UNMAPPED, faultAddress, message);
            default -> new StopReason(StopReason.Kind.ERROR, faultType >= 0 ? faultAddress : 0, message);
        };
    }

    @Override
    public void stop() {
        stopRequested = true;
        UnicornDirect.uc_emu_stop(handle);
    }

    @Override
    public void onInterrupt(InterruptListener listener) {
        this.interruptListener = listener;
    }

    @Override
    public void onSystemRegisterRead(SystemRegisterListener listener) {
        if (hooksInstalled) throw new IllegalStateException("hooks must be set before the first run");
        this.sysregListener = listener;
    }

    @Override
    public void countInstructions(boolean on) {
        if (hooksInstalled) throw new IllegalStateException("hooks must be set before the first run");
        this.counting = on;
    }

    @Override
    public long instructionCount() {
        return instructions;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public void close() {
        uc.uc_close(engine);
        for (HostMapping m : hostMappings) NativeRam.free(m.host(), m.size());
        hostMappings.clear();
    }

    static String versionOf(UnicornLibrary uc) {
        IntByReference major = new IntByReference(), minor = new IntByReference();
        int packed = uc.uc_version(major, minor);
        return String.format("%d.%d.%d", (packed >> 24) & 0xff, (packed >> 16) & 0xff, (packed >> 8) & 0xff);
    }

    static UnicornLibrary load(String path) {
        return Native.load(path, UnicornLibrary.class);
    }
}
