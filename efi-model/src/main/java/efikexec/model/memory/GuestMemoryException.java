package efikexec.model.memory;

/** An access to guest memory that is not mapped. */
public class GuestMemoryException extends RuntimeException {
    private final long address;

    public GuestMemoryException(long address, long len) {
        super(String.format("guest access to unmapped memory 0x%x (+%d bytes)", address, len));
        this.address = address;
    }

    public long address() {
        return address;
    }
}
