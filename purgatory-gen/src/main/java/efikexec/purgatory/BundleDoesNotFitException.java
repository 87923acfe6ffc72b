package efikexec.purgatory;

/**
 * The target machine cannot take the handoff bundle: too many segments for kexec, no room left
 * for the stub, or snapshot memory where the target reserves it. Bad input in the sense of the
 * command line's exit codes (exit 2, the message is the one line): the same image on another
 * target, or with other options, may fit.
 */
public class BundleDoesNotFitException extends RuntimeException {
    public BundleDoesNotFitException(String message) {
        super(message);
    }
}
