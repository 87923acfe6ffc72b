package efikexec.emulator.backend;

import efikexec.model.memory.GuestMemory;

/**
 * A CPU engine: guest memory, registers, runs and the few hooks the firmware needs. As
 * unidbg's Backend, it hides the engine (Unicorn today) so that another one could replace it,
 * but it is narrow: the firmware needs traps for service calls, fault reports, system-register
 * reads and an optional block counter, nothing per instruction.
 */
public interface EmulatorBackend extends AutoCloseable {

    /** Maps [address, address+size) as zeroed guest RAM owned by the backend. */
    void mapRam(long address, long size, int permissions);

    /** Changes permissions of mapped memory; never call from inside a hook. */
    void protect(long address, long size, int permissions);

    /** Guest memory, without copies where the engine allows. */
    GuestMemory memory();

    long read(Register register);

    void write(Register register, long value);

    /**
     * Runs from pc until a hook stops the engine, the budget runs out or the guest faults.
     *
     * @param timeoutMicros 0 for none
     * @param maxInstructions 0 for none (a budget costs a hook on every block)
     */
    StopReason run(long pc, long timeoutMicros, long maxInstructions);

    /** Asks the running engine to stop after the current instruction (from a hook). */
    void stop();

    /** Called for every guest exception (our traps among them). */
    void onInterrupt(InterruptListener listener);

    /** arm64: called for MRS reads of system registers; return true when handled. */
    void onSystemRegisterRead(SystemRegisterListener listener);

    /** x86: loads GDTR or IDTR (register is "gdtr" or "idtr"). */
    default void writeDescriptorTable(String register, long base, int limit) {
        throw new UnsupportedOperationException("no descriptor tables on this architecture");
    }

    /** x86: writes a model-specific register. */
    default void writeMsr(int msr, long value) {
        throw new UnsupportedOperationException("no MSRs on this architecture");
    }

    /** x86: reads a model-specific register. */
    default long readMsr(int msr) {
        throw new UnsupportedOperationException("no MSRs on this architecture");
    }

    /** x86: answers CPUID itself (leaf, subleaf) → {eax, ebx, ecx, edx}. Set before the first run. */
    default void onCpuid(CpuidListener listener) {
        throw new UnsupportedOperationException("no CPUID on this architecture");
    }

    interface CpuidListener {
        long[] cpuid(int leaf, int subleaf);
    }

    /**
     * Runs action before the instruction at address each time it executes (a
     * code hook on that one address: only its translation block pays). The action may change
     * the pc to skip the instruction. Set during a run (from a hook), it applies to code translated
     * afterwards: code loaded since, such as a child image.
     */
    void onInstructionAt(long address, Runnable action);

    /** Counts executed instructions (costs a hook on every block). Must be set before the first run. */
    void countInstructions(boolean on);

    /** Instructions counted so far, or -1 when counting is off. */
    long instructionCount();

    /** The engine's own version, e.g. "2.1.1". */
    String version();

    @Override
    void close();

    interface InterruptListener {
        void interrupt(int number);
    }

    interface SystemRegisterListener {
        /**
         * @param op0 op0, op1, crn, crm, op2 as encoded in the MRS instruction
         * @return the value to read, or null to let the engine answer
         */
        Long read(int op0, int op1, int crn, int crm, int op2);
    }
}
