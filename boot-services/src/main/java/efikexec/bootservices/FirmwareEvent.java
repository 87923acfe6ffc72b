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

    /** ResetSystem: the guest asked for a reset; there is nothing to run after it. */
    record Reset(long resetType, long status) implements FirmwareEvent {
    }
}
