package efikexec.kexec.host;

/** This machine's files said something kexec cannot work with; the message names the file. */
public class HostException extends RuntimeException {
    public HostException(String message) {
        super(message);
    }
}
