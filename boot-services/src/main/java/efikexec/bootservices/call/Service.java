package efikexec.bootservices.call;

/** One EFI service as the guest calls it: arguments in, EFI_STATUS (or a return value) out. */
@FunctionalInterface
public interface Service {
    long call(CallArgs args);
}
