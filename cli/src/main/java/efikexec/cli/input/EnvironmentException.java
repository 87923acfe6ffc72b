package efikexec.cli.input;

/**
 * The machine, not the input, stops the command (exit 4, DESIGN "Exit codes"): no permission,
 * lockdown, a kernel without kexec, a host that cannot be read. The message is the whole line.
 */
public class EnvironmentException extends RuntimeException {
    public EnvironmentException(String message) {
        super(message);
    }
}
