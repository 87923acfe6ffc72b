package efikexec.bootservices.table;

import efikexec.bootservices.Firmware;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import efikexec.model.table.BootServicesLayout;
import efikexec.model.table.RuntimeServicesLayout;
import efikexec.model.table.SystemTableLayout;
import efikexec.model.table.TableHeader;
import java.util.Map;

/**
 * EFI_SYSTEM_TABLE with its boot and runtime services tables. The system table and the runtime
 * table live in EfiRuntimeServicesData (the kernel reads them after ExitBootServices), the boot
 * services table in EfiBootServicesData, as edk2 places them.
 */
public final class SystemTable {
    public static final String VENDOR = "efikexec";
    public static final long FIRMWARE_REVISION = 0x00010000;

    private final GuestMemory mem;
    private final long address;
    private final long bootServices;
    private final long runtimeServices;
    private final long[] runtimeRealCode;

    private SystemTable(GuestMemory mem, long address, long bootServices, long runtimeServices, long[] runtimeRealCode) {
        this.mem = mem;
        this.address = address;
        this.bootServices = bootServices;
        this.runtimeServices = runtimeServices;
        this.runtimeRealCode = runtimeRealCode;
    }

    /**
     * Builds the three tables. bootSlots and runtimeSlots give each slot's function pointer (a
     * trap thunk); runtimeRealCode the addresses of real guest code that the runtime table
     * points at once boot services have exited.
     */
    public static SystemTable build(Firmware fw, Map<String, Long> bootSlots, Map<String, Long> runtimeSlots,
            long[] runtimeRealCode) {
        GuestMemory mem = fw.memory();
        long vendor = fw.heap().allocate(MemoryType.RUNTIME_SERVICES_DATA, 2L * (VENDOR.length() + 1));
        mem.writeUcs2(vendor, VENDOR);
        long st = fw.heap().allocate(MemoryType.RUNTIME_SERVICES_DATA, SystemTableLayout.SIZE);
        long rt = fw.heap().allocate(MemoryType.RUNTIME_SERVICES_DATA, RuntimeServicesLayout.SIZE);
        long bs = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, BootServicesLayout.SIZE);
        mem.fill(st, SystemTableLayout.SIZE, 0);
        mem.fill(rt, RuntimeServicesLayout.SIZE, 0);
        mem.fill(bs, BootServicesLayout.SIZE, 0);
        for (String slot : BootServicesLayout.SLOTS) {
            mem.writeU64(bs + BootServicesLayout.offset(slot), bootSlots.getOrDefault(slot, 0L));
        }
        for (String slot : RuntimeServicesLayout.SLOTS) {
            mem.writeU64(rt + RuntimeServicesLayout.offset(slot), runtimeSlots.getOrDefault(slot, 0L));
        }
        TableHeader.write(mem, bs, TableHeader.BOOT_SERVICES_SIGNATURE, BootServicesLayout.SIZE);
        TableHeader.write(mem, rt, TableHeader.RUNTIME_SERVICES_SIGNATURE, RuntimeServicesLayout.SIZE);
        mem.writeU64(st + SystemTableLayout.FIRMWARE_VENDOR, vendor);
        mem.writeU32(st + SystemTableLayout.FIRMWARE_REVISION, FIRMWARE_REVISION);
        mem.writeU64(st + SystemTableLayout.RUNTIME_SERVICES, rt);
        mem.writeU64(st + SystemTableLayout.BOOT_SERVICES, bs);
        TableHeader.write(mem, st, TableHeader.SYSTEM_TABLE_SIGNATURE, SystemTableLayout.SIZE);
        return new SystemTable(mem, st, bs, rt, runtimeRealCode);
    }

    public long address() {
        return address;
    }

    public long bootServices() {
        return bootServices;
    }

    public long runtimeServices() {
        return runtimeServices;
    }

    public void setConsole(long inHandle, long conIn, long outHandle, long conOut, long errHandle, long stdErr) {
        mem.writeU64(address + SystemTableLayout.CONSOLE_IN_HANDLE, inHandle);
        mem.writeU64(address + SystemTableLayout.CON_IN, conIn);
        mem.writeU64(address + SystemTableLayout.CONSOLE_OUT_HANDLE, outHandle);
        mem.writeU64(address + SystemTableLayout.CON_OUT, conOut);
        mem.writeU64(address + SystemTableLayout.STANDARD_ERROR_HANDLE, errHandle);
        mem.writeU64(address + SystemTableLayout.STD_ERR, stdErr);
        TableHeader.updateCrc(mem, address);
    }

    public void setConfigurationTable(long count, long array) {
        mem.writeU64(address + SystemTableLayout.NUMBER_OF_TABLE_ENTRIES, count);
        mem.writeU64(address + SystemTableLayout.CONFIGURATION_TABLE, array);
        TableHeader.updateCrc(mem, address);
    }

    /**
     * What ExitBootServices does to the tables (as U-Boot's efi_exit_boot_services): the
     * console and boot services pointers go, and the runtime services become real code that
     * returns EFI_UNSUPPORTED, because the kernel calls them after the handoff, where no trap
     * can answer.
     */
    public void exitBootServices() {
        for (int off : new int[] {SystemTableLayout.CONSOLE_IN_HANDLE, SystemTableLayout.CON_IN,
            SystemTableLayout.CONSOLE_OUT_HANDLE, SystemTableLayout.CON_OUT,
            SystemTableLayout.STANDARD_ERROR_HANDLE, SystemTableLayout.STD_ERR, SystemTableLayout.BOOT_SERVICES}) {
            mem.writeU64(address + off, 0);
        }
        TableHeader.updateCrc(mem, address);
        for (int i = 0; i < RuntimeServicesLayout.SLOTS.size(); i++) {
            mem.writeU64(runtimeServices + TableHeader.SIZE + 8L * i, runtimeRealCode[i]);
        }
        TableHeader.updateCrc(mem, runtimeServices);
    }
}
