package efikexec.model.table;

import java.util.List;

/** EFI_BOOT_SERVICES slots (UEFI 2.10, 7), in table order; offset = 0x18 + 8 × index. */
public final class BootServicesLayout {
    private BootServicesLayout() {
    }

    public static final List<String> SLOTS = List.of(
            "RaiseTPL", "RestoreTPL", "AllocatePages", "FreePages", "GetMemoryMap", "AllocatePool",
            "FreePool", "CreateEvent", "SetTimer", "WaitForEvent", "SignalEvent", "CloseEvent",
            "CheckEvent", "InstallProtocolInterface", "ReinstallProtocolInterface",
            "UninstallProtocolInterface", "HandleProtocol", "Reserved", "RegisterProtocolNotify",
            "LocateHandle", "LocateDevicePath", "InstallConfigurationTable", "LoadImage", "StartImage",
            "Exit", "UnloadImage", "ExitBootServices", "GetNextMonotonicCount", "Stall",
            "SetWatchdogTimer", "ConnectController", "DisconnectController", "OpenProtocol",
            "CloseProtocol", "OpenProtocolInformation", "ProtocolsPerHandle", "LocateHandleBuffer",
            "LocateProtocol", "InstallMultipleProtocolInterfaces",
            "UninstallMultipleProtocolInterfaces", "CalculateCrc32", "CopyMem", "SetMem",
            "CreateEventEx");

    public static final int SIZE = TableHeader.SIZE + 8 * SLOTS.size();

    public static int offset(String slot) {
        int i = SLOTS.indexOf(slot);
        if (i < 0) throw new IllegalArgumentException("no boot service " + slot);
        return TableHeader.SIZE + 8 * i;
    }

    public static final int ALLOCATE_PAGES = offset("AllocatePages");
    public static final int GET_MEMORY_MAP = offset("GetMemoryMap");
    public static final int EXIT_BOOT_SERVICES = offset("ExitBootServices");
}
