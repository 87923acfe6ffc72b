package efikexec.model.table;

import java.util.List;

/** EFI_RUNTIME_SERVICES slots, in table order; offset = 0x18 + 8 × index. */
public final class RuntimeServicesLayout {
    private RuntimeServicesLayout() {
    }

    public static final List<String> SLOTS = List.of(
            "GetTime", "SetTime", "GetWakeupTime", "SetWakeupTime", "SetVirtualAddressMap",
            "ConvertPointer", "GetVariable", "GetNextVariableName", "SetVariable",
            "GetNextHighMonotonicCount", "ResetSystem", "UpdateCapsule", "QueryCapsuleCapabilities",
            "QueryVariableInfo");

    public static final int SIZE = TableHeader.SIZE + 8 * SLOTS.size();

    public static int offset(String slot) {
        int i = SLOTS.indexOf(slot);
        if (i < 0) throw new IllegalArgumentException("no runtime service " + slot);
        return TableHeader.SIZE + 8 * i;
    }
}
