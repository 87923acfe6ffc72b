package efikexec.emulator.cpu;

import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.FirmwareCode;
import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.EmulatorBackend;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.linux.Arm64ImageHeader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * arm64: EL1h with the MMU off (identity addressing, what EFI promises), FP enabled, AAPCS64
 * calls (x0–x7, then the stack), traps through svc. The kernel proper starts at primary_entry,
 * the target of the branch at Image+4, with x0 = FDT.
 */
public final class Aarch64Adapter implements ArchAdapter {
    /** Unicorn reports svc as EXCP_SWI. */
    private static final int EXCP_SWI = 2;

    private final Aarch64Cpu code = new Aarch64Cpu();
    private final Arm64ImageHeader kernelHeader;

    /** @param kernelHeader the Image header of the kernel this run boots, or null for other EFI apps */
    public Aarch64Adapter(Arm64ImageHeader kernelHeader) {
        this.kernelHeader = kernelHeader;
    }

    @Override
    public FirmwareCode code() {
        return code;
    }

    @Override
    public void enterImage(EmulatorBackend cpu, LoadedImage image, long systemTable, long returnAddress, long stackTop) {
        cpu.write(Aarch64Register.PSTATE, Aarch64Cpu.PSTATE_EL1H);
        cpu.write(Aarch64Register.CPACR_EL1, Aarch64Cpu.CPACR_FPEN);
        cpu.write(Aarch64Register.X0, image.handle());
        cpu.write(Aarch64Register.X1, systemTable);
        cpu.write(Aarch64Register.X30, returnAddress);
        cpu.write(Aarch64Register.X29, 0);
        cpu.write(Aarch64Register.SP, stackTop & ~15L);
    }

    @Override
    public long trapAddress(EmulatorBackend cpu, int interrupt) {
        if (interrupt != EXCP_SWI) return -1;
        long at = cpu.read(Aarch64Register.PC) - 4; // svc leaves the pc past itself
        return cpu.memory().isMapped(at, 4) && Aarch64Cpu.isSvc((int) cpu.memory().readU32(at)) ? at : -1;
    }

    @Override
    public CallArgs args(EmulatorBackend cpu) {
        long[] regs = new long[8];
        for (int i = 0; i < 8; i++) regs[i] = -1;
        long sp = cpu.read(Aarch64Register.SP);
        long lr = cpu.read(Aarch64Register.X30);
        GuestMemory mem = cpu.memory();
        return new CallArgs() {
            @Override
            public long arg(int index) {
                if (index < 8) {
                    // Read lazily: most services take two or three arguments.
                    return cpu.read(Aarch64Register.x(index));
                }
                return mem.readU64(sp + 8L * (index - 8));
            }

            @Override
            public long callerPc() {
                return lr;
            }
        };
    }

    @Override
    public void returnValue(EmulatorBackend cpu, long value) {
        cpu.write(Aarch64Register.X0, value);
    }

    @Override
    public long pc(EmulatorBackend cpu) {
        return cpu.read(Aarch64Register.PC);
    }

    @Override
    public long stackPointer(EmulatorBackend cpu) {
        return cpu.read(Aarch64Register.SP);
    }

    private static final java.util.List<Aarch64Register> CONTEXT = java.util.List.of(Aarch64Register.X0,
        Aarch64Register.X1, Aarch64Register.X2, Aarch64Register.X3, Aarch64Register.X4, Aarch64Register.X5,
        Aarch64Register.X6, Aarch64Register.X7, Aarch64Register.X8, Aarch64Register.X9, Aarch64Register.X10,
        Aarch64Register.X11, Aarch64Register.X12, Aarch64Register.X13, Aarch64Register.X14, Aarch64Register.X15,
        Aarch64Register.X16, Aarch64Register.X17, Aarch64Register.X18, Aarch64Register.X19, Aarch64Register.X20,
        Aarch64Register.X21, Aarch64Register.X22, Aarch64Register.X23, Aarch64Register.X24, Aarch64Register.X25,
        Aarch64Register.X26, Aarch64Register.X27, Aarch64Register.X28, Aarch64Register.X29, Aarch64Register.X30,
        Aarch64Register.SP, Aarch64Register.NZCV, Aarch64Register.PC);

    @Override
    public long[] saveContext(EmulatorBackend cpu) {
        long[] c = new long[CONTEXT.size()];
        for (int i = 0; i < c.length; i++) c[i] = cpu.read(CONTEXT.get(i));
        return c;
    }

    @Override
    public void restoreContext(EmulatorBackend cpu, long[] context) {
        for (int i = 0; i < context.length; i++) cpu.write(CONTEXT.get(i), context[i]);
    }

    @Override
    public void jump(EmulatorBackend cpu, long pc) {
        cpu.write(Aarch64Register.PC, pc);
    }

    /**
     * The PC is primary_entry of an Image (the loaded one or a copy the stub made) when an
     * Image header with the same branch sits primaryEntryOffset bytes below it.
     */
    @Override
    public boolean isKernelEntry(EmulatorBackend cpu, long pc) {
        if (kernelHeader == null) return false;
        long base = pc - kernelHeader.primaryEntryOffset();
        GuestMemory mem = cpu.memory();
        if (!mem.isMapped(base, Arm64ImageHeader.SIZE)) return false;
        return mem.readU32(base + Arm64ImageHeader.OFF_MAGIC) == Arm64ImageHeader.MAGIC
                && mem.readU32(base + Arm64ImageHeader.OFF_CODE1) == kernelHeader.code1();
    }

    @Override
    public Map<String, Long> entryRegisters(EmulatorBackend cpu) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Aarch64Register r : new Aarch64Register[] {Aarch64Register.X0, Aarch64Register.X1, Aarch64Register.X2,
            Aarch64Register.X3, Aarch64Register.SP, Aarch64Register.PC, Aarch64Register.PSTATE}) {
            m.put(r.label(), cpu.read(r));
        }
        return m;
    }

    @Override
    public Map<String, Long> registerDump(EmulatorBackend cpu) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Aarch64Register r : Aarch64Register.DUMP) m.put(r.label(), cpu.read(r));
        return m;
    }

    @Override
    public String describeException(EmulatorBackend cpu, int interrupt) {
        String name = switch (interrupt) {
            case 1 -> "undefined instruction";
            case 2 -> "svc outside the firmware's thunks";
            case 3 -> "prefetch abort";
            case 4 -> "data abort";
            case 7 -> "breakpoint (brk)";
            case 8 -> "exception return";
            case 11 -> "hvc";
            case 13 -> "smc";
            default -> "exception " + interrupt;
        };
        long pc = cpu.read(Aarch64Register.PC);
        String insn = cpu.memory().isMapped(pc, 4) ? String.format(" (instruction 0x%08x)", cpu.memory().readU32(pc)) : "";
        return name + insn;
    }
}
