package efikexec.bootservices;

import efikexec.bootservices.call.ServiceRegistry;
import efikexec.bootservices.handle.HandleDatabase;
import efikexec.bootservices.port.ConsoleSink;
import efikexec.bootservices.port.EntropySource;
import efikexec.bootservices.port.VirtualClock;
import efikexec.bootservices.table.ConfigTables;
import efikexec.bootservices.table.SystemTable;
import efikexec.bootservices.variable.VariableStore;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.alloc.PageAllocator;
import efikexec.memmap.alloc.PoolAllocator;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * One firmware instance: all the state U-Boot keeps in globals (object list, system table, map
 * key) as fields, so every run and every test builds a fresh one. Built by {@link FirmwareSetup}.
 */
public final class Firmware {
    private final GuestMemory memory;
    private final MemoryMap memoryMap;
    private final PageAllocator pages;
    private final PoolAllocator pool;
    private final FirmwareHeap heap;
    private final HandleDatabase handles;
    private final ServiceRegistry registry;
    private final ConsoleSink console;
    private final EntropySource entropy;
    private final VirtualClock clock = new VirtualClock();
    private final VariableStore variables = new VariableStore();
    private SystemTable systemTable;
    private ConfigTables configTables;
    private boolean bootServicesExited;
    private final List<FirmwareEvent> events = new ArrayList<>();
    private final List<LoadedImage> images = new ArrayList<>();
    private final StringBuilder consoleLog = new StringBuilder();

    Firmware(GuestMemory memory, MemoryMap memoryMap, ServiceRegistry registry, ConsoleSink console,
            EntropySource entropy, HandleDatabaseFactory handles) {
        this.memory = memory;
        this.memoryMap = memoryMap;
        this.pages = new PageAllocator(memoryMap);
        this.pool = new PoolAllocator(pages);
        this.heap = new FirmwareHeap(pages, memory);
        this.registry = registry;
        this.console = text -> {
            consoleLog.append(text);
            console.write(text);
        };
        this.entropy = entropy;
        this.handles = handles.create(this);
    }

    /** Handles are small firmware allocations, so they are real, distinct guest addresses. */
    interface HandleDatabaseFactory {
        HandleDatabase create(Firmware fw);
    }

    public GuestMemory memory() {
        return memory;
    }

    public MemoryMap memoryMap() {
        return memoryMap;
    }

    public PageAllocator pages() {
        return pages;
    }

    public PoolAllocator pool() {
        return pool;
    }

    public FirmwareHeap heap() {
        return heap;
    }

    public HandleDatabase handles() {
        return handles;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    public ConsoleSink console() {
        return console;
    }

    /** Everything written to ConOut and StdErr so far. */
    public String consoleText() {
        return consoleLog.toString();
    }

    public EntropySource entropy() {
        return entropy;
    }

    public VirtualClock clock() {
        return clock;
    }

    public VariableStore variables() {
        return variables;
    }

    public SystemTable systemTable() {
        return systemTable;
    }

    void systemTable(SystemTable t) {
        this.systemTable = t;
    }

    public ConfigTables configTables() {
        return configTables;
    }

    void configTables(ConfigTables c) {
        this.configTables = c;
    }

    private String architecture;

    /** "aarch64" or "x86_64": what images this firmware can load. */
    public String architecture() {
        return architecture;
    }

    void architecture(String a) {
        this.architecture = a;
    }

    public boolean bootServicesExited() {
        return bootServicesExited;
    }

    public void markBootServicesExited() {
        this.bootServicesExited = true;
    }

    public void post(FirmwareEvent e) {
        events.add(e);
    }

    /** The oldest event not yet handled by the emulator, or null. */
    public FirmwareEvent takeEvent() {
        return events.isEmpty() ? null : events.remove(0);
    }

    public List<LoadedImage> images() {
        return images;
    }

    public LoadedImage image(long handle) {
        for (LoadedImage i : images) if (i.handle() == handle) return i;
        return null;
    }
}
