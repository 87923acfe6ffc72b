package efikexec.bootservices.call;

/**
 * Machine code the firmware places in guest memory, supplied by the CPU adapter of the
 * emulator: boot services decide where code goes and what it means, never its encoding.
 */
public interface FirmwareCode {
    /** Bytes of one trap thunk slot (every thunk has this size). */
    int thunkSize();

    /** The thunk for service number index: traps into the emulator, then returns to the caller. */
    byte[] trapThunk(int index);

    /** Real code that returns EFI_UNSUPPORTED: runtime services after ExitBootServices. */
    byte[] returnUnsupported();

    /** The architecture's name as reports give it ("aarch64", "x86_64"). */
    String architecture();
}
