package efikexec.cli.input;

/** Bad input, already phrased as the one line the user sees ("FILE: what was wrong"). Exit 2. */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }
}
