package efikexec.model;

/**
 * Input that is not what its format requires. Carries the field, the offset in the input and
 * what was expected, so the CLI can print one line naming all three (the file name is added
 * by whoever opened the file).
 */
public class FormatException extends RuntimeException {
    private final String field;
    private final long offset;

    public FormatException(String field, long offset, String message) {
        super(message);
        this.field = field;
        this.offset = offset;
    }

    public String field() {
        return field;
    }

    public long offset() {
        return offset;
    }

    /** "field at offset 0x…: message". */
    public String describe() {
        return String.format("%s at offset 0x%x: %s", field, offset, getMessage());
    }
}
