package efikexec.kexec.load;

/** The bundle may not be loaded here; the message is one line naming the segment, range or field. */
public class LoadRefusedException extends RuntimeException {
    public LoadRefusedException(String message) {
        super(message);
    }
}
