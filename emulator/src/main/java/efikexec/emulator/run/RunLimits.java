package efikexec.emulator.run;

/**
 * Budgets of one run.
 *
 * @param maxInstructions 0 for none; a budget turns instruction counting on
 * @param timeoutMillis wall-clock budget for the whole run, 0 for none
 * @param countInstructions count instructions (costs a hook on every translated block run)
 */
public record RunLimits(long maxInstructions, long timeoutMillis, boolean countInstructions) {
    public static final RunLimits NONE = new RunLimits(0, 0, false);
}
