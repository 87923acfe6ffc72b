package efikexec.bootservices;

/** The firmware cannot be built or run with what it was given (too little RAM, a bad initrd…). */
public class FirmwareException extends RuntimeException {
    public FirmwareException(String message) {
        super(message);
    }
}
