package efikexec.bootservices;

/** Something a service did that ends or changes the run; the emulator acts on it after the call. */
public sealed interface FirmwareEvent {
    /** ExitBootServices succeeded: the next phase runs to kernel entry. */
    record BootServicesExited(long imageHandle) implements FirmwareEvent {
    }

    /** The started image returned from its entry point, or called Exit. */
    /** callerPc: where Exit was called from, or 0 when the entry point returned. */
    record ImageReturned(long imageHandle, long status, boolean viaExit, long callerPc) implements FirmwareEvent {
    }

    /** StartImage of an image the guest loaded: the emulator runs it on the caller's behalf. */
    record StartImage(long imageHandle) implements FirmwareEvent {
    }

    /** A started child returned from its entry point (through the child-return thunk). */
    record ChildReturned(long status) implements FirmwareEvent {
    }

    /**
     * A service needs guest code to answer (a protocol the image installed, such as the LoadFile2
     * the zboot decompressor serves its kernel through): the emulator calls {@code function} with
     * {@code args} on the service caller's behalf and gives {@code then} the value it returns;
     * {@code then} answers with the next CallGuest or with {@link ServiceDone}. The service's own
     * return value is replaced by ServiceDone's status.
     */
    record CallGuest(long function, java.util.List<Long> args, java.util.function.LongFunction<FirmwareEvent> then)
            implements FirmwareEvent {
    }

    /** The status a service returns after its guest calls. */
    record ServiceDone(long status) implements FirmwareEvent {
    }

    /** A guest function called for a service returned (through the guest-call return thunk). */
    record GuestCallReturned(long value) implements FirmwareEvent {
    }

    /** ResetSystem: the guest asked for a reset; there is nothing to run after it. */
    record Reset(long resetType, long status) implements FirmwareEvent {
    }
}
