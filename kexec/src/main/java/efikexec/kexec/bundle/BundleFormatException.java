package efikexec.kexec.bundle;

/** A bundle file is not what efikexec handoff writes; the message names the file, the field and the offset. */
public class BundleFormatException extends RuntimeException {
    public BundleFormatException(String message) {
        super(message);
    }
}
