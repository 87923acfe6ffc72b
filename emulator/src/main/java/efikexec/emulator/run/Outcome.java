package efikexec.emulator.run;

/** How a run ended; the names are the report's "outcome" values. */
public enum Outcome {
    KERNEL_ENTRY("kernel-entry"),
    EXIT_BOOT_SERVICES("exit-boot-services"),
    IMAGE_RETURNED("image-returned"),
    FAULT("fault"),
    LIMIT("limit");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
