package efikexec.emulator.run;

import efikexec.bootservices.protocol.LoadedImageProtocol;

import efikexec.bootservices.LoadedImage;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.FirmwareSetup;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.ServiceCall;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.emulator.backend.EmulatorBackend;
import efikexec.emulator.backend.Permission;
import efikexec.emulator.backend.StopReason;
import efikexec.emulator.cpu.ArchAdapter;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.memmap.alloc.Placement;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs an EFI image to kernel entry, phase by phase (DESIGN.md "Run phases"):
 * start → ExitBootServices → kernel entry. Service calls arrive only through traps; no hook
 * runs per instruction unless instructions are counted. After ExitBootServices every RAM page
 * loses EXEC, so the first fetch from code that never ran before (the kernel's entry) stops
 * the engine exactly on it; stub code that still has to run gets its page back.
 */
public final class EfiRunner {
    /** The stack firmware gives an image (edk2 gives 128 KiB; stubs use little). */
    private static final long STACK_BYTES = 1L << 20;

    private final EmulatorBackend cpu;
    private final ArchAdapter arch;
    private Consumer<ServiceCall> callListener = c -> { };
    private Consumer<String> progress = s -> { };

    public EfiRunner(EmulatorBackend cpu, ArchAdapter arch) {
        this.cpu = cpu;
        this.arch = arch;
    }

    public void onServiceCall(Consumer<ServiceCall> listener) {
        this.callListener = listener;
    }

    public void onProgress(Consumer<String> progress) {
        this.progress = progress;
    }

    private Firmware fw;
    private FirmwareSetup.Built built;

    /** A caller waiting in StartImage for its child: its registers and the child's handle. */
    private record Frame(long child, long[] callerContext) {
    }

    private final java.util.ArrayDeque<Frame> frames = new java.util.ArrayDeque<>();
    private FirmwareEvent pending;
    private RunResult.Fault pendingFault;
    private long servicesNanos;
    private final List<PhysicalRange> mapped = new ArrayList<>();

    public RunResult run(FirmwareOptions options, Until until, RunLimits limits) {
        long t0 = System.nanoTime();
        for (PhysicalRange r : options.target().ram()) {
            long start = (r.start() + 4095) & ~4095L;
            long end = r.end() & ~4095L;
            if (end > start) {
                cpu.mapRam(start, end - start, Permission.ALL);
                mapped.add(new PhysicalRange(start, end - start));
            }
        }
        boolean counting = limits.countInstructions() || limits.maxInstructions() > 0;
        cpu.countInstructions(counting);

        built = FirmwareSetup.build(cpu.memory(), arch.code(), options);
        fw = built.firmware();
        ServiceRegistry registry = fw.registry();
        registry.onCall(callListener);
        AllocationResult stack = fw.pages().allocatePages(new Placement.Anywhere(), MemoryType.BOOT_SERVICES_DATA,
                STACK_BYTES / 4096);
        if (!stack.isSuccess()) throw new efikexec.bootservices.FirmwareException("no RAM for the image's stack");
        arch.setUpMachine(cpu, pages -> {
            AllocationResult r = fw.pages().allocatePages(new Placement.Anywhere(), MemoryType.BOOT_SERVICES_DATA, pages);
            if (!r.isSuccess()) throw new efikexec.bootservices.FirmwareException("no RAM for the CPU's tables");
            return r.address();
        }, mapped);
        arch.enterImage(cpu, built.image(), fw.systemTable().address(), built.returnAddress(),
                stack.address() + STACK_BYTES);

        cpu.onInterrupt(n -> onInterrupt(registry, n));
        progress.accept(String.format("loaded %s at 0x%x, entry 0x%x", built.image().name(), built.image().base(),
                built.image().entryPoint()));

        double setupMillis = (System.nanoTime() - t0) / 1e6;
        long engineNanos = 0;
        int phaseSwitches = 0;
        long deadline = limits.timeoutMillis() > 0 && limits.timeoutMillis() < (Long.MAX_VALUE - t0) / 1_000_000L
                ? t0 + limits.timeoutMillis() * 1_000_000L : Long.MAX_VALUE;
        RunResult.Milestone ebs = null, entry = null;
        Outcome outcome;
        RunResult.Fault fault = null;
        Map<String, Long> registers = null;
        boolean afterEbs = false;
        long pc = built.image().entryPoint();

        while (true) {
            long timeoutMicros = 0;
            if (deadline != Long.MAX_VALUE) {
                timeoutMicros = Math.max(1, (deadline - System.nanoTime()) / 1000);
            }
            long budget = 0;
            if (limits.maxInstructions() > 0) {
                budget = limits.maxInstructions() - Math.max(0, cpu.instructionCount());
                if (budget <= 0) {
                    outcome = Outcome.LIMIT;
                    fault = new RunResult.Fault("instruction-limit", pc,
                            "instruction budget of " + limits.maxInstructions() + " reached");
                    registers = arch.registerDump(cpu);
                    break;
                }
            }
            pending = null;
            pendingFault = null;
            long s = System.nanoTime();
            StopReason stop = cpu.run(pc, timeoutMicros, budget);
            engineNanos += System.nanoTime() - s;
            pc = arch.pc(cpu);

            if (pendingFault != null) {
                outcome = Outcome.FAULT;
                fault = pendingFault;
                registers = arch.registerDump(cpu);
                break;
            }
            if (pending instanceof FirmwareEvent.BootServicesExited exited) {
                ebs = milestone(t0, pc);
                LoadedImage caller = fw.image(exited.imageHandle());
                long li = caller.loadedImageProtocol();
                long kernelBase = cpu.memory().readU64(li + LoadedImageProtocol.IMAGE_BASE);
                long kernelSize = cpu.memory().readU64(li + LoadedImageProtocol.IMAGE_SIZE);
                progress.accept(String.format("ExitBootServices by %s, its LoadedImage at 0x%x + 0x%x", caller.name(),
                        kernelBase, kernelSize));
                arch.bootServicesExited(cpu, kernelBase, kernelSize);
                progress.accept(String.format("ExitBootServices after %d service calls", registry.trace().size()));
                if (until == Until.EBS) {
                    outcome = Outcome.EXIT_BOOT_SERVICES;
                    registers = arch.registerDump(cpu);
                    break;
                }
                dropExecute();
                afterEbs = true;
                continue;
            }
            if (pending instanceof FirmwareEvent.ImageReturned r) {
                outcome = Outcome.IMAGE_RETURNED;
                // Exit: where the image called it. A return: pc is the firmware's return thunk.
                long at = r.viaExit() ? r.callerPc() : pc;
                fault = new RunResult.Fault(r.viaExit() ? "image-exit" : "image-returned", at,
                        String.format("the image %s with status %s %s ExitBootServices",
                                r.viaExit() ? "called Exit" : "returned to the firmware",
                                efikexec.model.EfiStatus.describe(r.status()), afterEbs ? "after" : "before"));
                registers = arch.registerDump(cpu);
                break;
            }
            if (pending instanceof FirmwareEvent.Reset r) {
                outcome = Outcome.FAULT;
                fault = new RunResult.Fault("reset-system", pc, String.format("the image called ResetSystem(type %d, %s)",
                        r.resetType(), efikexec.model.EfiStatus.describe(r.status())));
                registers = arch.registerDump(cpu);
                break;
            }
            if (entryHit >= 0) {
                // A code hook stops before its instruction runs: the state is the entry's.
                if (pc != entryHit) throw new IllegalStateException(String.format("stopped at 0x%x, not at the hooked entry 0x%x", pc, entryHit));
                entry = milestone(t0, pc);
                outcome = Outcome.KERNEL_ENTRY;
                registers = arch.entryRegisters(cpu);
                break;
            }
            if (stop.kind() == StopReason.Kind.FETCH_PROTECTED && afterEbs) {
                if (arch.isKernelEntry(cpu, pc)) {
                    entry = milestone(t0, pc);
                    outcome = Outcome.KERNEL_ENTRY;
                    registers = arch.entryRegisters(cpu);
                    break;
                }
                long onPage = arch.kernelEntryOnPage(cpu, pc);
                if (onPage >= 0 && entryHooks.add(onPage)) {
                    cpu.onInstructionAt(onPage, () -> {
                        entryHit = onPage;
                        cpu.stop();
                    });
                }
                // Stub code that had not run before ExitBootServices: let it run.
                cpu.protect(pc & ~4095L, 4096, Permission.ALL);
                phaseSwitches++;
                continue;
            }
            if (stop.kind() == StopReason.Kind.TIMEOUT || (stop.kind() == StopReason.Kind.STOPPED
                    && limits.timeoutMillis() > 0 && System.nanoTime() >= deadline)) {
                outcome = Outcome.LIMIT;
                fault = new RunResult.Fault("timeout", pc, "time budget of " + limits.timeoutMillis() + " ms reached");
                registers = arch.registerDump(cpu);
                break;
            }
            if (stop.kind() == StopReason.Kind.STOPPED && limits.maxInstructions() > 0
                    && cpu.instructionCount() >= limits.maxInstructions()) {
                outcome = Outcome.LIMIT;
                fault = new RunResult.Fault("instruction-limit", pc,
                        "instruction budget of " + limits.maxInstructions() + " reached");
                registers = arch.registerDump(cpu);
                break;
            }
            outcome = Outcome.FAULT;
            String kind = switch (stop.kind()) {
                case UNMAPPED -> "unmapped-access";
                case FETCH_PROTECTED -> "fetch-protected";
                default -> "engine-error";
            };
            String where = stop.address() != 0 ? String.format(" at 0x%x", stop.address()) : "";
            if (stop.kind() == StopReason.Kind.UNMAPPED) {
                // Unicorn reports memory faults with the pc of the translation block's start
                // (unicorn-engine/unicorn#1699); finding the instruction would need a code hook.
                where += String.format(" (in the code block starting at pc 0x%x)", pc);
            }
            fault = new RunResult.Fault(kind, pc, stop.detail() + where);
            registers = arch.registerDump(cpu);
            break;
        }
        double total = (System.nanoTime() - t0) / 1e6;
        RunResult.Timing timing = new RunResult.Timing(setupMillis, engineNanos / 1e6, servicesNanos / 1e6, total,
                phaseSwitches);
        return new RunResult(outcome, ebs, entry, fault, registers, fw, built.image(), timing, cpu.version());
    }

    private RunResult.Milestone milestone(long t0, long pc) {
        long n = cpu.instructionCount();
        return new RunResult.Milestone(n >= 0 ? n : null, (System.nanoTime() - t0) / 1e6, pc);
    }

    private void onInterrupt(ServiceRegistry registry, int interrupt) {
        long s = System.nanoTime();
        try {
            long at = arch.trapAddress(cpu, interrupt);
            ServiceRegistry.Entry e = at >= 0 ? registry.at(at) : null;
            if (e != null && e.address() != at) e = null; // a trap instruction, but not a thunk's
            if (e == null) {
                pendingFault = new RunResult.Fault("guest-exception", arch.pc(cpu), arch.describeException(cpu, interrupt));
                cpu.stop();
                return;
            }
            CallArgs args = arch.args(cpu);
            long result;
            try {
                result = registry.invoke(e, args);
            } catch (GuestMemoryException ex) {
                pendingFault = new RunResult.Fault("bad-pointer", args.callerPc(),
                        e.name() + ": " + ex.getMessage());
                cpu.stop();
                return;
            }
            arch.returnValue(cpu, result);
            FirmwareEvent ev = fw.takeEvent();
            if (ev != null && nested(ev)) ev = fw.takeEvent();
            if (ev != null) {
                pending = ev;
                cpu.stop();
            }
        } finally {
            servicesNanos += System.nanoTime() - s;
        }
    }

    /** A service waiting on guest code: the service caller's registers and what to do with each result. */
    private static final class GuestCallFrame {
        final long[] callerContext;
        final long callerStack;
        java.util.function.LongFunction<FirmwareEvent> then;

        GuestCallFrame(long[] callerContext, long callerStack) {
            this.callerContext = callerContext;
            this.callerStack = callerStack;
        }
    }

    private final java.util.ArrayDeque<GuestCallFrame> guestCalls = new java.util.ArrayDeque<>();

    /** Kernel entries hooked because their page also holds stub code; the one reached, or -1. */
    private final java.util.Set<Long> entryHooks = new java.util.HashSet<>();
    private volatile long entryHit = -1;

    private void callGuest(GuestCallFrame f, FirmwareEvent.CallGuest c) {
        f.then = c.then();
        arch.callFunction(cpu, c.args(), built.guestCallReturnAddress(), (f.callerStack - CHILD_STACK_GAP) & ~15L);
        arch.jump(cpu, c.function());
    }

    /** Child stacks start this far below the caller's stack pointer. */
    private static final long CHILD_STACK_GAP = 64 * 1024;

    /**
     * StartImage runs the child on the same engine run (EFI-NOTES "UKI"): the caller's registers
     * are saved, the child entered as firmware enters an image, with a stack carved below the
     * caller's and a return thunk of its own; its return or its Exit restores the caller, whose
     * StartImage then returns the child's status. Returns true when it handled the event.
     */
    private boolean nested(FirmwareEvent ev) {
        if (ev instanceof FirmwareEvent.CallGuest c) {
            // From a service: its caller waits until the chain of guest calls is done.
            guestCalls.push(new GuestCallFrame(arch.saveContext(cpu), arch.stackPointer(cpu)));
            callGuest(guestCalls.peek(), c);
            return true;
        }
        if (ev instanceof FirmwareEvent.GuestCallReturned r && !guestCalls.isEmpty()) {
            GuestCallFrame f = guestCalls.peek();
            FirmwareEvent next = f.then.apply(r.value());
            f.then = null;
            if (next instanceof FirmwareEvent.CallGuest c) {
                callGuest(f, c);
                return true;
            }
            guestCalls.pop();
            arch.restoreContext(cpu, f.callerContext);
            arch.returnValue(cpu, next instanceof FirmwareEvent.ServiceDone d ? d.status()
                    : efikexec.model.EfiStatus.DEVICE_ERROR.code());
            return true;
        }
        if (ev instanceof FirmwareEvent.StartImage s) {
            efikexec.bootservices.LoadedImage child = fw.image(s.imageHandle());
            frames.push(new Frame(s.imageHandle(), arch.saveContext(cpu)));
            long stackTop = (arch.stackPointer(cpu) - CHILD_STACK_GAP) & ~15L;
            arch.enterImage(cpu, child, fw.systemTable().address(), built.childReturnAddress(), stackTop);
            arch.jump(cpu, child.entryPoint());
            return true;
        }
        long status;
        if (ev instanceof FirmwareEvent.ChildReturned r && !frames.isEmpty()) {
            status = r.status();
        } else if (ev instanceof FirmwareEvent.ImageReturned r && r.viaExit() && !frames.isEmpty()
                && frames.peek().child() == r.imageHandle()) {
            status = r.status();
        } else {
            return false;
        }
        Frame f = frames.pop();
        arch.restoreContext(cpu, f.callerContext());
        arch.returnValue(cpu, status);
        return true;
    }

    /**
     * After ExitBootServices, the memory the kernel proper can start from loses EXEC: the image
     * and whatever the stub allocated (EfiLoaderCode/Data: where a relocated copy goes). The
     * firmware's own code keeps running (runtime services, traps) without a protection change
     * and so without splitting its regions. (Measured: the same ~15 ms from EBS to entry as
     * dropping EXEC from all RAM; that time is the stub's own work, cache maintenance over the
     * whole Image among it.)
     */
    private void dropExecute() {
        for (MemoryDescriptor d : fw.memoryMap().descriptors()) {
            MemoryType t = d.type();
            if (t == MemoryType.LOADER_CODE || t == MemoryType.LOADER_DATA) {
                cpu.protect(d.physicalStart(), d.numberOfPages() * 4096, Permission.READ | Permission.WRITE);
            }
        }
    }
}
