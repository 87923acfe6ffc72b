package efikexec.emulator.unicorn;

/** libunicorn cannot be found or loaded: an environment problem (exit code 4). */
public class UnicornUnavailableException extends RuntimeException {
    public UnicornUnavailableException(String message) {
        super(message);
    }
}
