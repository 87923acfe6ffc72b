package efikexec.emulator.backend;

/**
 * Why one run of the engine ended. A run ends normally when a hook asked it to stop, when it
 * reached the instruction or time budget, or on a guest fault the hooks did not absorb.
 */
public record StopReason(Kind kind, long address, String detail) {
    public enum Kind {
        /** A hook called stop(), or the until address was reached. */
        STOPPED,
        /** The time budget of this run ran out. */
        TIMEOUT,
        /** Instruction fetch from memory without EXEC (kernel-entry detection relies on it). */
        FETCH_PROTECTED,
        /** Access to unmapped memory. */
        UNMAPPED,
        /** Any other engine error: undefined instruction, unhandled exception. */
        ERROR
    }

    public static StopReason stopped() {
        return new StopReason(Kind.STOPPED, 0, "");
    }
}
