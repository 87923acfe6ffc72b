package efikexec.cli;

/** The exit codes of DESIGN.md's contract. */
public final class ExitCodes {
    private ExitCodes() {
    }

    public static final int OK = 0;
    /** An internal error of efikexec itself (a bug): not part of the input's fault. */
    public static final int INTERNAL = 1;
    /** Unreadable, malformed or unsupported input, or a bad option. */
    public static final int BAD_INPUT = 2;
    /** The guest faulted, returned, or ran out of its instruction or time budget. */
    public static final int GUEST = 3;
    /** The environment: libunicorn missing, no permission, lockdown. */
    public static final int ENVIRONMENT = 4;
}
