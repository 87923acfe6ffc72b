package efikexec.emulator.cpu;

import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.FirmwareCode;
import efikexec.emulator.backend.EmulatorBackend;
import efikexec.emulator.backend.RegisterSet;
import efikexec.emulator.backend.X64Register;
import efikexec.memmap.PhysicalRange;
import efikexec.model.memory.GuestMemory;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * x86_64 as firmware leaves it (EFI-NOTES "x86_64"): long mode with identity page tables
 * (2 MiB pages: qemu64 has no 1 GiB pages; no NX bit: EFER.NXE cannot be set under Unicorn),
 * a GDT with a 64-bit code segment, SSE enabled, interrupts off; MS x64 calls (rcx, rdx, r8,
 * r9, then the stack above 32 bytes of shadow space); traps through int3; CPUID answered from
 * {@link X64Cpuid}. The kernel proper is entered outside the stub's own image: the first
 * instruction run after ExitBootServices outside it (startup_64 of the decompressed kernel).
 */
public final class X64Adapter implements ArchAdapter {
    private static final int VECTOR_BREAKPOINT = 3;
    private static final long CR0_PE_MP_ET_NE_PG = 0x80000033L;
    private static final long CR4_PAE_OSFXSR_OSXMMEXCPT = 0x620L;
    private static final long GDT_CODE64 = 0x00af9a000000ffffL;
    private static final long GDT_DATA = 0x00cf92000000ffffL;
    private static final long PAGE_PRESENT_RW = 0x3;
    private static final long PAGE_HUGE = 0x80;
    private static final long GIB = 1L << 30;

    private final X64Cpu code = new X64Cpu();
    /** The file being run (a bzImage, a UKI with its .linux), or null: code copied from it is still the stub's. */
    private final byte[] file;

    public X64Adapter() {
        this(null);
    }

    /**
     * @param file the image file being run: code found in it, wherever it runs, is the EFI stub or
     *     the decompressor (copies made by systemd-stub's EFI handover path, or by the kernel's own
     *     relocation), never the decompressed kernel
     */
    public X64Adapter(byte[] file) {
        this.file = file;
    }

    /** Image bases whose RDTSC sites answer from the virtual counter. */
    private final java.util.Set<Long> tscHooked = new java.util.HashSet<>();

    @Override
    public FirmwareCode code() {
        return code;
    }

    @Override
    public void setUpMachine(EmulatorBackend cpu, LongUnaryOperator allocatePages, List<PhysicalRange> ram) {
        GuestMemory mem = cpu.memory();
        long top = 4 * GIB;
        for (PhysicalRange r : ram) top = Math.max(top, r.end());
        int gibs = (int) ((top + GIB - 1) / GIB);
        if (gibs > 512) throw new IllegalArgumentException("target RAM beyond 512 GiB needs more than one PDPT");
        long tables = allocatePages.applyAsLong(2 + gibs);
        long pml4 = tables, pdpt = tables + 4096, pd = tables + 8192;
        mem.fill(tables, (2L + gibs) * 4096, 0);
        mem.writeU64(pml4, pdpt | PAGE_PRESENT_RW);
        for (int g = 0; g < gibs; g++) {
            long dir = pd + 4096L * g;
            mem.writeU64(pdpt + 8L * g, dir | PAGE_PRESENT_RW);
            for (int i = 0; i < 512; i++) {
                mem.writeU64(dir + 8L * i, ((long) g * GIB + ((long) i << 21)) | PAGE_PRESENT_RW | PAGE_HUGE);
            }
        }
        long gdt = allocatePages.applyAsLong(1);
        mem.fill(gdt, 4096, 0);
        mem.writeU64(gdt + 0x08, GDT_CODE64);
        mem.writeU64(gdt + 0x10, GDT_DATA);
        cpu.writeDescriptorTable("gdtr", gdt, 3 * 8 - 1);
        cpu.write(X64Register.CR3, pml4);
        cpu.write(X64Register.CR4, CR4_PAE_OSFXSR_OSXMMEXCPT);
        cpu.write(X64Register.CR0, CR0_PE_MP_ET_NE_PG);
        // Writing a selector loads its descriptor from the GDT.
        cpu.write(X64Register.CS, 0x08);
        for (X64Register s : new X64Register[] {X64Register.DS, X64Register.ES, X64Register.SS, X64Register.FS,
            X64Register.GS}) {
            cpu.write(s, 0x10);
        }
        cpu.onCpuid(X64Cpuid::answer);
    }

    @Override
    public void enterImage(EmulatorBackend cpu, LoadedImage image, long systemTable, long returnAddress, long stackTop) {
        // Every image entered: a UKI's or zboot image's child is the kernel that reads the TSC.
        virtualTsc(cpu, image.base(), image.size());
        // As if called: 16-byte aligned before the call, the return address pushed, shadow
        // space above it belongs to the callee.
        long rsp = (stackTop - 0x40) & ~15L;
        rsp -= 8;
        cpu.memory().writeU64(rsp, returnAddress);
        cpu.write(X64Register.RSP, rsp);
        cpu.write(X64Register.RCX, image.handle());
        cpu.write(X64Register.RDX, systemTable);
        cpu.write(X64Register.EFLAGS, 0x2); // IF clear: no interrupts exist here
    }

    /**
     * RDTSC cannot be hooked as an instruction and Unicorn answers it from the host clock; the
     * stub mixes it into its KASLR seed, so runs would differ. Every 0f 31 byte pair in the
     * image gets a hook on that address that answers from a virtual counter and skips the
     * instruction (pairs that are not an instruction start never fire). Hiding the TSC in CPUID
     * is no way out: the stub then falls back to an i8254 read through pointers it never set.
     */
    private void virtualTsc(EmulatorBackend cpu, long base, long size) {
        if (!tscHooked.add(base) || size <= 0 || size > Integer.MAX_VALUE || !cpu.memory().isMapped(base, size)) return;
        byte[] code = cpu.memory().read(base, (int) size);
        long[] tsc = this.tsc;
        for (int i = 0; i + 1 < code.length; i++) {
            if (code[i] == 0x0f && code[i + 1] == 0x31) {
                long at = base + i;
                cpu.onInstructionAt(at, () -> {
                    tsc[0] += TSC_STEP;
                    cpu.write(X64Register.RAX, tsc[0] & 0xffffffffL);
                    cpu.write(X64Register.RDX, tsc[0] >>> 32);
                    cpu.write(X64Register.RIP, at + 2);
                });
            }
        }
    }

    /** One counter for all images, as one CPU has one TSC. */
    private final long[] tsc = {TSC_START};

    /** A plausible TSC after a few seconds of a 2 GHz CPU, advancing 1 ms a read. */
    private static final long TSC_START = 10_000_000_000L;
    private static final long TSC_STEP = 2_000_000L;

    @Override
    public long trapAddress(EmulatorBackend cpu, int interrupt) {
        if (interrupt != VECTOR_BREAKPOINT) return -1;
        long at = cpu.read(X64Register.RIP) - 1; // int3 leaves RIP past itself
        return cpu.memory().isMapped(at, 1) && X64Cpu.isInt3(cpu.memory().readU8(at)) ? at : -1;
    }

    @Override
    public CallArgs args(EmulatorBackend cpu) {
        long rsp = cpu.read(X64Register.RSP);
        GuestMemory mem = cpu.memory();
        return new CallArgs() {
            @Override
            public long arg(int index) {
                return switch (index) {
                    case 0 -> cpu.read(X64Register.RCX);
                    case 1 -> cpu.read(X64Register.RDX);
                    case 2 -> cpu.read(X64Register.R8);
                    case 3 -> cpu.read(X64Register.R9);
                    // [rsp] is the return address, then 32 bytes of shadow space
                    default -> mem.readU64(rsp + 0x28 + 8L * (index - 4));
                };
            }

            @Override
            public long callerPc() {
                return mem.readU64(rsp);
            }

            @Override
            public long returnedValue() {
                return cpu.read(X64Register.RAX);
            }
        };
    }

    @Override
    public void returnValue(EmulatorBackend cpu, long value) {
        cpu.write(X64Register.RAX, value);
    }

    @Override
    public long pc(EmulatorBackend cpu) {
        return cpu.read(X64Register.RIP);
    }

    @Override
    public long stackPointer(EmulatorBackend cpu) {
        return cpu.read(X64Register.RSP);
    }

    private static final RegisterSet CONTEXT = RegisterSet.of(X64Register.RAX, X64Register.RBX, X64Register.RCX,
            X64Register.RDX, X64Register.RSI, X64Register.RDI, X64Register.RBP, X64Register.RSP, X64Register.R8,
            X64Register.R9, X64Register.R10, X64Register.R11, X64Register.R12, X64Register.R13, X64Register.R14,
            X64Register.R15, X64Register.EFLAGS, X64Register.RIP);

    @Override
    public long[] saveContext(EmulatorBackend cpu) {
        return CONTEXT.read(cpu);
    }

    @Override
    public void restoreContext(EmulatorBackend cpu, long[] context) {
        CONTEXT.write(cpu, context);
    }

    private static final X64Register[] ARGS = {X64Register.RCX, X64Register.RDX, X64Register.R8, X64Register.R9};

    /**
     * MS x64: rcx, rdx, r8, r9, the rest on the stack above 32 bytes of shadow space; as if
     * called, so the stack is 16-byte aligned before the return address is pushed.
     */
    @Override
    public void callFunction(EmulatorBackend cpu, java.util.List<Long> args, long returnAddress, long stackTop) {
        int onStack = Math.max(0, args.size() - ARGS.length);
        long rsp = (stackTop - 0x40 - 8L * onStack) & ~15L;
        for (int i = 0; i < onStack; i++) cpu.memory().writeU64(rsp + 0x20 + 8L * i, args.get(ARGS.length + i));
        rsp -= 8;
        cpu.memory().writeU64(rsp, returnAddress);
        for (int i = 0; i < Math.min(args.size(), ARGS.length); i++) cpu.write(ARGS[i], args.get(i));
        cpu.write(X64Register.RSP, rsp);
    }

    @Override
    public void jump(EmulatorBackend cpu, long pc) {
        cpu.write(X64Register.RIP, pc);
    }

    /** The range of the image that exited boot services: the kernel's own stub. */
    private long stubBase = -1, stubEnd = -1;

    @Override
    public void bootServicesExited(EmulatorBackend cpu, long imageBase, long imageSize) {
        stubBase = imageBase;
        stubEnd = imageBase + imageSize;
        // A kernel its parent loaded without LoadImage (systemd-stub 258+) was never entered
        // through the firmware: its decompressor's TSC reads are hooked now, before they run.
        virtualTsc(cpu, imageBase, imageSize);
    }

    /**
     * Outside the stub's own image, running code that is not in the file: the stub has jumped into
     * the kernel it decompressed (whose code exists nowhere before decompression). Code outside
     * the image that the file holds is a copy of the stub or decompressor, made after its
     * LoadedImage was filled in (systemd-stub's EFI handover path copies .linux first).
     */
    @Override
    public boolean isKernelEntry(EmulatorBackend cpu, long pc) {
        if (stubBase < 0 || (pc >= stubBase && pc < stubEnd)) return false;
        if (file == null || !cpu.memory().isMapped(pc, CODE_PROBE)) return true;
        return indexOf(file, cpu.memory().read(pc, CODE_PROBE)) < 0;
    }

    /** Bytes compared at a candidate entry: long enough that a match is a copy, not a coincidence. */
    private static final int CODE_PROBE = 32;

    private static int indexOf(byte[] hay, byte[] needle) {
        byte first = needle[0];
        outer:
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            if (hay[i] != first) continue;
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private static final RegisterSet ENTRY = RegisterSet.of(X64Register.RSI, X64Register.RIP, X64Register.RSP,
            X64Register.RDI, X64Register.CR3, X64Register.EFLAGS);
    private static final RegisterSet DUMP = new RegisterSet(X64Register.DUMP);

    @Override
    public Map<String, Long> entryRegisters(EmulatorBackend cpu) {
        return ENTRY.readLabelled(cpu);
    }

    @Override
    public Map<String, Long> registerDump(EmulatorBackend cpu) {
        return DUMP.readLabelled(cpu);
    }

    @Override
    public String describeException(EmulatorBackend cpu, int interrupt) {
        String name = switch (interrupt) {
            case 0 -> "divide error (#DE)";
            case 1 -> "debug (#DB)";
            case 3 -> "int3 outside the firmware's thunks";
            case 6 -> "invalid opcode (#UD)";
            case 13 -> "general protection (#GP)";
            case 14 -> "page fault (#PF)";
            default -> "exception vector " + interrupt;
        };
        long rip = cpu.read(X64Register.RIP);
        String bytes = "";
        if (cpu.memory().isMapped(rip, 8)) {
            StringBuilder b = new StringBuilder(" (bytes");
            for (byte x : cpu.memory().read(rip, 8)) b.append(String.format(" %02x", x));
            bytes = b.append(')').toString();
        }
        return name + bytes;
    }
}
