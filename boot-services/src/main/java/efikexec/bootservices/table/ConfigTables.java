package efikexec.bootservices.table;

import efikexec.bootservices.Firmware;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import efikexec.model.table.SystemTableLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The EFI configuration table array (InstallConfigurationTable), kept in guest memory in
 * EfiRuntimeServicesData so the kernel finds it after the handoff; regrown by doubling.
 */
public final class ConfigTables {
    public record Entry(Guid guid, long table) {
    }

    private final Firmware fw;
    private final List<Entry> entries = new ArrayList<>();
    private long array;
    private int capacity;

    public ConfigTables(Firmware fw) {
        this.fw = fw;
        grow(16);
    }

    private void grow(int newCapacity) {
        array = fw.heap().allocate(MemoryType.RUNTIME_SERVICES_DATA, (long) newCapacity * SystemTableLayout.CONFIG_ENTRY_SIZE);
        capacity = newCapacity;
    }

    /** InstallConfigurationTable: add, replace, or (table 0) remove. */
    public EfiStatus install(Guid guid, long table) {
        int i = indexOf(guid);
        if (table == 0) {
            if (i < 0) return EfiStatus.NOT_FOUND;
            entries.remove(i);
        } else if (i >= 0) {
            entries.set(i, new Entry(guid, table));
        } else {
            if (entries.size() == capacity) grow(capacity * 2);
            entries.add(new Entry(guid, table));
        }
        publish();
        return EfiStatus.SUCCESS;
    }

    private int indexOf(Guid guid) {
        for (int i = 0; i < entries.size(); i++) if (entries.get(i).guid.equals(guid)) return i;
        return -1;
    }

    public Long find(Guid guid) {
        int i = indexOf(guid);
        return i < 0 ? null : entries.get(i).table;
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    private void publish() {
        GuestMemory mem = fw.memory();
        for (int i = 0; i < entries.size(); i++) {
            long e = array + (long) i * SystemTableLayout.CONFIG_ENTRY_SIZE;
            mem.write(e, entries.get(i).guid.toBytes());
            mem.writeU64(e + 16, entries.get(i).table);
        }
        fw.systemTable().setConfigurationTable(entries.size(), array);
    }
}
