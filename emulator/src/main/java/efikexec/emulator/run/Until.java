package efikexec.emulator.run;

/** Where a run stops on success. */
public enum Until {
    /** Right after a successful ExitBootServices. */
    EBS,
    /** At the first instruction of the kernel proper. */
    ENTRY
}
