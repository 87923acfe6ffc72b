package efikexec.model;

/** EFI_STATUS values that this firmware returns (UEFI spec appendix D). */
public enum EfiStatus {
    SUCCESS(0),
    /** A warning, not an error: File.Delete closed the handle but deleted nothing. */
    WARN_DELETE_FAILURE(2),
    LOAD_ERROR(err(1)),
    INVALID_PARAMETER(err(2)),
    UNSUPPORTED(err(3)),
    BAD_BUFFER_SIZE(err(4)),
    BUFFER_TOO_SMALL(err(5)),
    NOT_READY(err(6)),
    DEVICE_ERROR(err(7)),
    WRITE_PROTECTED(err(8)),
    OUT_OF_RESOURCES(err(9)),
    NOT_FOUND(err(14)),
    ACCESS_DENIED(err(15)),
    ABORTED(err(21)),
    SECURITY_VIOLATION(err(26)),
    ALREADY_STARTED(err(20));

    private static long err(int n) {
        return 0x8000_0000_0000_0000L | n;
    }

    private final long code;

    EfiStatus(long code) {
        this.code = code;
    }

    public long code() {
        return code;
    }

    public boolean isError() {
        return code < 0;
    }

    /** The status for a 64-bit code, or null when it is none of ours. */
    public static EfiStatus fromCode(long code) {
        for (EfiStatus s : values()) {
            if (s.code == code) return s;
        }
        return null;
    }

    /** A name for any code, ours or not (the trace shows what the guest got or returned). */
    public static String describe(long code) {
        EfiStatus s = fromCode(code);
        return s != null ? s.name() : String.format("0x%x", code);
    }
}
