package efikexec.bootservices;

import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.FirmwareCode;
import efikexec.bootservices.call.Service;
import efikexec.bootservices.call.ServiceRegistry;
import efikexec.bootservices.handle.HandleDatabase;
import efikexec.bootservices.port.EntropySource;
import efikexec.bootservices.protocol.LoadFile2InitrdProtocol;
import efikexec.bootservices.protocol.RngProtocol;
import efikexec.bootservices.protocol.SimpleFileSystemProtocol;
import efikexec.bootservices.protocol.SimpleTextInputProtocol;
import efikexec.bootservices.protocol.SimpleTextOutputProtocol;
import efikexec.bootservices.service.EventServices;
import efikexec.bootservices.service.ImageServices;
import efikexec.bootservices.service.MemoryServices;
import efikexec.bootservices.service.MiscServices;
import efikexec.bootservices.service.ProtocolServices;
import efikexec.bootservices.service.RuntimeServices;
import efikexec.bootservices.table.ConfigTables;
import efikexec.bootservices.table.SystemTable;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.memmap.alloc.Placement;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.memory.GuestMemory;
import efikexec.model.table.BootServicesLayout;
import efikexec.model.table.RuntimeServicesLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a firmware in one readable sequence, as U-Boot's efi_init_obj_list(): memory map,
 * service thunks, tables, console, RNG, config tables, initrd, then the image.
 */
public final class FirmwareSetup {
    /** Thunks the region has room for: 44 boot + 14 runtime slots and the protocols' functions. */
    private static final int THUNK_CAPACITY = 512;

    /** The firmware, the image it loaded, and the address the image's entry returns to. */
    public record Built(Firmware firmware, LoadedImage image, long returnAddress, long childReturnAddress,
            long guestCallReturnAddress) {
    }

    private FirmwareSetup() {
    }

    public static Built build(GuestMemory mem, FirmwareCode code, FirmwareOptions o) {
        MemoryMap map = MemoryMap.fromTarget(o.target());
        ServiceRegistry registry = new ServiceRegistry(code);
        Firmware fw = new Firmware(mem, map, registry, o.console(), new EntropySource(o.seed()),
                f -> new HandleDatabase(() -> f.heap().allocate(MemoryType.BOOT_SERVICES_DATA, 16)));
        fw.architecture(code.architecture());

        // The image goes first when its place is fixed, so that firmware data cannot take it.
        Long fixedLoad = o.loadAddress();
        AllocationResult reserveImage = null;
        efikexec.pe.PeImage pe = o.image() != null ? efikexec.pe.PeParser.parse(o.image()) : null;
        long imagePages = pe != null ? (pe.sizeOfImage() + 4095) / 4096 : 0;
        if (fixedLoad != null && pe != null) {
            long align = Math.max(4096, pe.sectionAlignment());
            if (Long.remainderUnsigned(fixedLoad, align) != 0) {
                throw new LoadAddressException(String.format(
                        "0x%x is not a multiple of the image's SectionAlignment 0x%x", fixedLoad, align));
            }
            reserveImage = fw.pages().allocatePages(new Placement.At(fixedLoad), MemoryType.LOADER_CODE, imagePages);
            if (!reserveImage.isSuccess()) {
                throw new LoadAddressException(String.format("0x%x: the image's %d pages there are not all free RAM of the target",
                        fixedLoad, imagePages));
            }
        }

        long thunks = allocate(fw, MemoryType.BOOT_SERVICES_CODE, registry.regionSize(THUNK_CAPACITY));
        registry.placeAt(thunks);

        Map<String, Binding> boot = new HashMap<>();
        boot.putAll(new MemoryServices(fw).bindings());
        boot.putAll(new ProtocolServices(fw).bindings());
        boot.putAll(new EventServices(fw).bindings());
        boot.putAll(new MiscServices(fw).bindings());
        boot.putAll(new ImageServices(fw).bindings());
        Map<String, Long> bootSlots = new LinkedHashMap<>();
        for (String slot : BootServicesLayout.SLOTS) {
            Binding b = boot.get(slot);
            bootSlots.put(slot, b == null ? registry.unsupported(slot)
                    : registry.register(slot, b.arity(), bootTimeOnly(fw, b.service())));
        }
        Map<String, Binding> runtime = new RuntimeServices(fw).bindings();
        Map<String, Long> runtimeSlots = new LinkedHashMap<>();
        for (String slot : RuntimeServicesLayout.SLOTS) {
            Binding b = runtime.get(slot);
            runtimeSlots.put(slot, b == null ? registry.unsupported(slot) : registry.register(slot, b.arity(), b.service()));
        }

        byte[] unsupported = code.returnUnsupported();
        long rtCode = allocate(fw, MemoryType.RUNTIME_SERVICES_CODE, (long) unsupported.length * RuntimeServicesLayout.SLOTS.size());
        long[] rtReal = new long[RuntimeServicesLayout.SLOTS.size()];
        for (int i = 0; i < rtReal.length; i++) {
            rtReal[i] = rtCode + (long) i * unsupported.length;
            mem.write(rtReal[i], unsupported);
        }

        fw.systemTable(SystemTable.build(fw, bootSlots, runtimeSlots, rtReal));
        fw.configTables(new ConfigTables(fw));

        long console = fw.handles().createHandle();
        long conOut = SimpleTextOutputProtocol.create(fw, "ConOut");
        long conIn = SimpleTextInputProtocol.create(fw);
        fw.handles().install(console, KnownGuids.SIMPLE_TEXT_OUTPUT, conOut);
        fw.handles().install(console, KnownGuids.SIMPLE_TEXT_INPUT, conIn);
        fw.systemTable().setConsole(console, conIn, console, conOut, console, conOut);

        RngProtocol.install(fw);

        if (o.dtb() != null) {
            long dtb = allocate(fw, MemoryType.ACPI_RECLAIM, o.dtb().length);
            mem.write(dtb, o.dtb());
            fw.configTables().install(KnownGuids.DEVICE_TREE, dtb);
        }
        // No runtime service is usable after the handoff: say so, so the kernel calls none.
        long rtProps = fw.heap().allocate(MemoryType.RUNTIME_SERVICES_DATA, 8);
        mem.writeU16(rtProps, 1);
        mem.writeU16(rtProps + 2, 8);
        mem.writeU32(rtProps + 4, 0);
        fw.configTables().install(KnownGuids.RT_PROPERTIES, rtProps);
        // struct linux_efi_random_seed { u32 size; u8 bits[]; }, where the kernel's own stub
        // would put it (EfiACPIReclaimMemory survives into the running kernel).
        byte[] seed = fw.entropy().next(32);
        // A pool allocation: the stub mixes the seed into a new table and FreePools ours.
        AllocationResult seedPool = fw.pool().allocatePool(MemoryType.ACPI_RECLAIM, 4 + seed.length);
        if (!seedPool.isSuccess()) throw new FirmwareException("no RAM for the random seed table");
        long seedTable = seedPool.address();
        mem.writeU32(seedTable, seed.length);
        mem.write(seedTable + 4, seed);
        fw.configTables().install(KnownGuids.LINUX_EFI_RANDOM_SEED, seedTable);

        // Without a db nothing was verified: the variables are absent (NOT_FOUND), which stubs
        // read as "Secure Boot off". With one, they say what verifying firmware says.
        if (o.secureBoot()) {
            long bsRt = efikexec.bootservices.variable.VariableStore.BOOTSERVICE_ACCESS
                    | efikexec.bootservices.variable.VariableStore.RUNTIME_ACCESS;
            fw.variables().put(KnownGuids.EFI_GLOBAL_VARIABLE, "SecureBoot", bsRt, new byte[] {1});
            fw.variables().put(KnownGuids.EFI_GLOBAL_VARIABLE, "SetupMode", bsRt, new byte[] {0});
        }

        if (!o.smbiosType11().isEmpty()) {
            // Runtime memory, as edk2 places SMBIOS: the kernel maps and reads it too.
            byte[] structures = efikexec.bootservices.table.SmbiosTable.structures(o.smbiosType11());
            long table = allocate(fw, MemoryType.RUNTIME_SERVICES_DATA,
                    efikexec.bootservices.table.SmbiosTable.ENTRY_POINT_SIZE + structures.length);
            long tableAt = table + efikexec.bootservices.table.SmbiosTable.ENTRY_POINT_SIZE;
            mem.write(tableAt, structures);
            mem.write(table, efikexec.bootservices.table.SmbiosTable.entryPoint(tableAt, structures.length));
            fw.configTables().install(KnownGuids.SMBIOS3, table);
        }

        // The target's own tables, where its firmware left them (reserved memory the kernel maps).
        for (FirmwareTable t : o.firmwareTables()) fw.configTables().install(t.guid(), t.address());

        if (o.initrd() != null) LoadFile2InitrdProtocol.install(fw, o.initrd());
        if (o.esp() != null) SimpleFileSystemProtocol.install(fw, ImageLoader.deviceHandle(fw), o.esp());

        if (reserveImage != null) {
            fw.pages().freePages(reserveImage.address(), imagePages);
        }
        // Without an image (a warm-up build) the firmware is complete but starts nothing.
        LoadedImage image = pe == null ? null
                : ImageLoader.load(fw, pe, o.image(), o.imageName(), fixedLoad, o.cmdline(), code.architecture(), 0);

        // Not a service: the guest reaches it by returning from its entry point, so it stays
        // out of the trace.
        long ret = registry.registerInternal("ImageReturn", a -> {
            fw.post(new FirmwareEvent.ImageReturned(image == null ? 0 : image.handle(), a.returnedValue(), false, 0));
            return a.returnedValue();
        });
        long childReturn = registry.registerInternal("ChildReturn", a -> {
            fw.post(new FirmwareEvent.ChildReturned(a.returnedValue()));
            return a.returnedValue();
        });
        long guestCallReturn = registry.registerInternal("GuestCallReturn", a -> {
            fw.post(new FirmwareEvent.GuestCallReturned(a.returnedValue()));
            return a.returnedValue();
        });
        if (registry.entries().size() > THUNK_CAPACITY) throw new IllegalStateException("thunk region too small");
        registry.writeThunks(mem);
        return new Built(fw, image, ret, childReturn, guestCallReturn);
    }

    private static long allocate(Firmware fw, MemoryType type, long bytes) {
        AllocationResult r = fw.pages().allocatePages(new Placement.Anywhere(), type, (bytes + 4095) / 4096);
        if (!r.isSuccess()) throw new FirmwareException("target RAM too small for the firmware's " + type.efiName());
        fw.memory().fill(r.address(), ((bytes + 4095) / 4096) * 4096, 0);
        return r.address();
    }

    /** Boot services end at ExitBootServices: a later call gets UNSUPPORTED and shows in the trace. */
    private static Service bootTimeOnly(Firmware fw, Service s) {
        return a -> {
            if (fw.bootServicesExited()) {
                fw.registry().note("called after ExitBootServices");
                return EfiStatus.UNSUPPORTED.code();
            }
            return s.call(a);
        };
    }
}
