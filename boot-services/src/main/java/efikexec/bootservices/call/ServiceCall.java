package efikexec.bootservices.call;

/**
 * One line of the call trace: which service, its arguments as the guest passed them, what it
 * returned, and where it was called from. {@code implemented} is false for slots that only
 * log and return EFI_UNSUPPORTED.
 */
public record ServiceCall(int sequence, String name, long[] args, long result, long callerPc, boolean implemented,
        String note) {
}
