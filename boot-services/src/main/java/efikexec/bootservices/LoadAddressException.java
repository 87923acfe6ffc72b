package efikexec.bootservices;

/** The requested load address cannot hold the image (misaligned, outside free RAM). */
public class LoadAddressException extends FirmwareException {
    public LoadAddressException(String message) {
        super(message);
    }
}
