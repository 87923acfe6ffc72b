package efikexec.emulator.cpu;

import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.FirmwareCode;
import efikexec.emulator.backend.Aarch64Register;
import efikexec.emulator.backend.EmulatorBackend;
import efikexec.emulator.backend.RegisterSet;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.linux.Arm64ImageHeader;
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
    /** The Image header of the image that called ExitBootServices; null until then, or when it is no Image. */
    private Arm64ImageHeader kernelHeader;
    /** primary_entry's first bytes when the kernel sits in memory without its Image header, else null. */
    private byte[] entryCode;
    private static final int ENTRY_CODE_BYTES = 32;
    /** The header of the kernel the file carries (an Image itself, a UKI's .linux), or null. */
    private final Arm64ImageHeader fileKernel;

    public Aarch64Adapter() {
        this(null);
    }

    /**
     * @param fileKernel the Image header of the kernel inside the file being run, when it has one:
     *     used when the image that exits boot services has none in memory (systemd-stub 258+ loads
     *     the kernel's sections itself, without its headers, and points its own LoadedImage there)
     */
    public Aarch64Adapter(Arm64ImageHeader fileKernel) {
        this.fileKernel = fileKernel;
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

    /** x0–x30, sp, flags, pc: what a call may change and a nested image must give back. */
    private static final RegisterSet CONTEXT;

    static {
        java.util.List<Aarch64Register> c = new java.util.ArrayList<>();
        for (int i = 0; i <= 30; i++) c.add(Aarch64Register.x(i));
        c.addAll(java.util.List.of(Aarch64Register.SP, Aarch64Register.NZCV, Aarch64Register.PC));
        CONTEXT = new RegisterSet(c);
    }

    @Override
    public long[] saveContext(EmulatorBackend cpu) {
        return CONTEXT.read(cpu);
    }

    @Override
    public void restoreContext(EmulatorBackend cpu, long[] context) {
        CONTEXT.write(cpu, context);
    }

    private static final Aarch64Register[] ARGS = {Aarch64Register.X0, Aarch64Register.X1, Aarch64Register.X2,
        Aarch64Register.X3, Aarch64Register.X4, Aarch64Register.X5, Aarch64Register.X6, Aarch64Register.X7};

    /** AAPCS64: x0–x7 (no EFI protocol function takes more), x30 the return address. */
    @Override
    public void callFunction(EmulatorBackend cpu, java.util.List<Long> args, long returnAddress, long stackTop) {
        if (args.size() > ARGS.length) throw new IllegalArgumentException("more than 8 arguments: " + args.size());
        for (int i = 0; i < args.size(); i++) cpu.write(ARGS[i], args.get(i));
        cpu.write(Aarch64Register.X30, returnAddress);
        cpu.write(Aarch64Register.SP, stackTop & ~15L);
    }

    @Override
    public void jump(EmulatorBackend cpu, long pc) {
        cpu.write(Aarch64Register.PC, pc);
    }

    /**
     * The kernel is the image that exits boot services (not necessarily the first image): its
     * Image header, as loaded (the header is the first bytes of the PE headers).
     */
    @Override
    public void bootServicesExited(EmulatorBackend cpu, long imageBase, long imageSize) {
        GuestMemory mem = cpu.memory();
        kernelHeader = fileKernel;
        entryCode = null;
        if (!mem.isMapped(imageBase, Arm64ImageHeader.SIZE)) return;
        byte[] head = mem.read(imageBase, Arm64ImageHeader.SIZE);
        if (!Arm64ImageHeader.isArm64Image(head)) {
            // Sections without headers (systemd-stub 258+): primary_entry's first instructions,
            // as loaded, identify the kernel wherever its stub copies it.
            if (fileKernel != null && mem.isMapped(imageBase + fileKernel.primaryEntryOffset(), ENTRY_CODE_BYTES)) {
                entryCode = mem.read(imageBase + fileKernel.primaryEntryOffset(), ENTRY_CODE_BYTES);
            }
            return;
        }
        try {
            kernelHeader = Arm64ImageHeader.parse(head);
        } catch (efikexec.model.FormatException e) {
            kernelHeader = fileKernel; // not the kernel's header after all
        }
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
        if (entryCode != null && mem.isMapped(pc, entryCode.length)
                && java.util.Arrays.equals(mem.read(pc, entryCode.length), entryCode)) {
            return true;
        }
        if (!mem.isMapped(base, Arm64ImageHeader.SIZE)) return false;
        return mem.readU32(base + Arm64ImageHeader.OFF_MAGIC) == Arm64ImageHeader.MAGIC
                && mem.readU32(base + Arm64ImageHeader.OFF_CODE1) == kernelHeader.code1();
    }

    /** Copies of an Image are at least page aligned: primary_entry sits at the same page offset. */
    @Override
    public long kernelEntryOnPage(EmulatorBackend cpu, long pc) {
        if (kernelHeader == null) return -1;
        long entry = (pc & ~0xfffL) | (kernelHeader.primaryEntryOffset() & 0xfff);
        return entry != pc && isKernelEntry(cpu, entry) ? entry : -1;
    }

    private static final RegisterSet ENTRY = RegisterSet.of(Aarch64Register.X0, Aarch64Register.X1,
            Aarch64Register.X2, Aarch64Register.X3, Aarch64Register.SP, Aarch64Register.PC, Aarch64Register.PSTATE);
    private static final RegisterSet DUMP = new RegisterSet(Aarch64Register.DUMP);

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
