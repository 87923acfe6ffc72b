package efikexec.emulator.backend;

/** An engine call that failed; the message carries the call and its arguments in hex. */
public class BackendException extends RuntimeException {
    public BackendException(String message) {
        super(message);
    }
}
