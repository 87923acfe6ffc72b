package efikexec.model.table;

/** EFI_SYSTEM_TABLE field offsets (64-bit). */
public final class SystemTableLayout {
    private SystemTableLayout() {
    }

    public static final int FIRMWARE_VENDOR = 0x18;
    public static final int FIRMWARE_REVISION = 0x20;
    public static final int CONSOLE_IN_HANDLE = 0x28;
    public static final int CON_IN = 0x30;
    public static final int CONSOLE_OUT_HANDLE = 0x38;
    public static final int CON_OUT = 0x40;
    public static final int STANDARD_ERROR_HANDLE = 0x48;
    public static final int STD_ERR = 0x50;
    public static final int RUNTIME_SERVICES = 0x58;
    public static final int BOOT_SERVICES = 0x60;
    public static final int NUMBER_OF_TABLE_ENTRIES = 0x68;
    public static final int CONFIGURATION_TABLE = 0x70;
    public static final int SIZE = 0x78;

    /** EFI_CONFIGURATION_TABLE: GUID then pointer. */
    public static final int CONFIG_ENTRY_SIZE = 24;
}
