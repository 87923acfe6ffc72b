package efikexec.emulator.cpu;

import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.FirmwareCode;
import efikexec.emulator.backend.EmulatorBackend;
import java.util.Map;

/** What differs between CPU architectures in a run: set-up, calling convention, traps, kernel entry. */
public interface ArchAdapter {
    FirmwareCode code();

    /**
     * The machine as firmware leaves it before any image runs (x86: page tables, GDT, control
     * registers, CPUID). allocatePages gives firmware pages (EfiBootServicesData).
     */
    default void setUpMachine(EmulatorBackend cpu, java.util.function.LongUnaryOperator allocatePages,
            java.util.List<efikexec.memmap.PhysicalRange> ram) {
    }

    /** Registers as firmware leaves them when it calls an image's entry point. */
    void enterImage(EmulatorBackend cpu, LoadedImage image, long systemTable, long returnAddress, long stackTop);

    /**
     * The address of the trap instruction behind this interrupt (a thunk's start), or -1 when
     * it is not one of our traps (a guest exception).
     */
    long trapAddress(EmulatorBackend cpu, int interrupt);

    /** The arguments of the call being trapped. */
    CallArgs args(EmulatorBackend cpu);

    /** Returns value to the caller of the trapped service. */
    void returnValue(EmulatorBackend cpu, long value);

    long pc(EmulatorBackend cpu);

    long stackPointer(EmulatorBackend cpu);

    /** Every register a call may change, to run a child image and come back (StartImage). */
    long[] saveContext(EmulatorBackend cpu);

    void restoreContext(EmulatorBackend cpu, long[] context);

    /**
     * Registers and stack for calling a guest function with these arguments (the EFI calling
     * convention), returning to returnAddress, with its stack below stackTop; the caller then
     * jumps to the function.
     */
    void callFunction(EmulatorBackend cpu, java.util.List<Long> args, long returnAddress, long stackTop);

    /** Moves execution (from a hook: the engine continues there). */
    void jump(EmulatorBackend cpu, long pc);

    /**
     * ExitBootServices succeeded, called by the image whose LoadedImage protocol says it spans
     * [imageBase, imageBase + imageSize): the kernel's own EFI stub. That may be a child of the
     * first image (a UKI's or zboot image's kernel, started by LoadImage/StartImage) or a kernel
     * the first image loaded itself and runs under its own handle, with its LoadedImage pointed at
     * the kernel (systemd-stub 258+): hence the guest's protocol, not the firmware's record.
     */
    default void bootServicesExited(EmulatorBackend cpu, long imageBase, long imageSize) {
    }

    /**
     * The kernel's first instruction when it lies on the same page as {@code pc} but elsewhere, or
     * -1: a page holding both stub code that runs after ExitBootServices and the kernel's entry
     * (small kernels put efi_enter_kernel next to primary_entry) gets EXEC back for the stub, so
     * the entry needs a hook of its own.
     */
    default long kernelEntryOnPage(EmulatorBackend cpu, long pc) {
        return -1;
    }

    /** Whether pc is the first instruction of the kernel proper. */
    boolean isKernelEntry(EmulatorBackend cpu, long pc);

    /** The registers a report shows at kernel entry (x0 … / rsi …). */
    Map<String, Long> entryRegisters(EmulatorBackend cpu);

    /** All general registers, for a fault's register dump. */
    Map<String, Long> registerDump(EmulatorBackend cpu);

    /** Describes an interrupt that is not a trap (for the fault message). */
    String describeException(EmulatorBackend cpu, int interrupt);
}
