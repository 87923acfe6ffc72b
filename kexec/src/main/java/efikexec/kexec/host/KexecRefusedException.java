package efikexec.kexec.host;

/** This kernel does not let this process use kexec_load(2); the message is the one-line reason. */
public class KexecRefusedException extends RuntimeException {
    public KexecRefusedException(String reason) {
        super(reason);
    }
}
