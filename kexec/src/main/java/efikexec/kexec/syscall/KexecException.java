package efikexec.kexec.syscall;

/** A kexec system call failed; the message is one line with the call, errno's name and what it usually means. */
public class KexecException extends RuntimeException {
    private final int errno;

    public KexecException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
