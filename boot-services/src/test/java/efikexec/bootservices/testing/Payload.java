package efikexec.bootservices.testing;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.FirmwareSetup;
import efikexec.bootservices.LoadedImage;
import efikexec.bootservices.call.CallArgs;
import efikexec.bootservices.call.ServiceCall;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.model.table.BootServicesLayout;
import efikexec.model.table.RuntimeServicesLayout;
import efikexec.model.table.SystemTableLayout;
import java.util.List;

/**
 * A firmware as an EFI payload sees it, for tests in the style of U-Boot's efi_selftest: every
 * service is reached through a function pointer read from the tables in guest memory
 * ({@code systab->boottime->...}) and called through {@code ServiceRegistry.invoke}, the one
 * door the emulator's traps use too. Arguments point into guest memory the payload got from
 * the firmware: a scratch area from AllocatePages (for out-parameters, GUIDs, strings), and
 * pools from AllocatePool.
 *
 * <p>Like a real payload, it keeps the BootServices pointer it read at entry, so it can still
 * call through it after ExitBootServices has cleared the system table's copy.
 */
public final class Payload {
    public static final long RAM_BASE = 0x4000_0000L;
    public static final int RAM_SIZE = 64 << 20;
    /** A target-reserved range inside RAM (a firmware or secure-world carve-out). */
    public static final PhysicalRange RESERVED = new PhysicalRange(RAM_BASE + 0x10_0000L, 0x1_0000L);
    public static final long SCRATCH_PAGES = 64;
    private static final long MAP_BUFFER_SIZE = 16 * 1024;

    public final Firmware fw;
    public final ByteArrayGuestMemory mem;
    public final LoadedImage image;
    public final TestFirmwareCode code;
    public final long returnAddress;
    /** Console text as the ConsoleSink port received it. */
    public final StringBuilder sink;
    private final long bootServices;
    private final long scratchBase;
    private long scratchNext;
    private long mapBuffer;

    private Payload(Builder b) {
        this.mem = new ByteArrayGuestMemory(RAM_BASE, RAM_SIZE);
        this.code = new TestFirmwareCode();
        this.sink = new StringBuilder();
        TargetMemory target = new TargetMemory(List.of(new PhysicalRange(RAM_BASE, RAM_SIZE)), List.of(RESERVED));
        FirmwareOptions o = new FirmwareOptions(target, b.image, "test.efi", b.cmdline, b.initrd, b.dtb, b.seed,
                b.loadAddress, sink::append);
        FirmwareSetup.Built built = FirmwareSetup.build(mem, code, o);
        this.fw = built.firmware();
        this.image = built.image();
        this.returnAddress = built.returnAddress();
        this.bootServices = mem.readU64(systemTable() + SystemTableLayout.BOOT_SERVICES);

        // The first allocation goes through the table like every other: its out-parameter is a
        // global of the loaded image.
        long global = image.base() + SyntheticEfiApp.GLOBALS_RVA;
        mem.writeU64(global, 0);
        EfiStatus s = boot("AllocatePages", 0, MemoryType.LOADER_DATA.value(), SCRATCH_PAGES, global);
        assertThat(s).as("AllocatePages for the test scratch area did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        this.scratchBase = mem.readU64(global);
        this.scratchNext = scratchBase;
        mem.fill(scratchBase, SCRATCH_PAGES * MemoryMap.PAGE_SIZE, 0);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A firmware with defaults: the synthetic app, seed 1, no initrd, no DTB. */
    public static Payload start() {
        return builder().build();
    }

    public static final class Builder {
        private byte[] image = SyntheticEfiApp.aarch64();
        private String cmdline;
        private byte[] initrd;
        private byte[] dtb;
        private long seed = 1;
        private Long loadAddress;

        public Builder image(byte[] v) {
            image = v;
            return this;
        }

        public Builder cmdline(String v) {
            cmdline = v;
            return this;
        }

        public Builder initrd(byte[] v) {
            initrd = v;
            return this;
        }

        public Builder dtb(byte[] v) {
            dtb = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder loadAddress(long v) {
            loadAddress = v;
            return this;
        }

        public Payload build() {
            return new Payload(this);
        }
    }

    // ---- tables

    /** The EFI_SYSTEM_TABLE pointer the image gets in x1. */
    public long systemTable() {
        return fw.systemTable().address();
    }

    /** The BootServices pointer read from the system table at entry. */
    public long bootServices() {
        return bootServices;
    }

    /** SystemTable->RuntimeServices as it is now. */
    public long runtimeServices() {
        return mem.readU64(systemTable() + SystemTableLayout.RUNTIME_SERVICES);
    }

    public long bootFunction(String slot) {
        return mem.readU64(bootServices + BootServicesLayout.offset(slot));
    }

    public long runtimeFunction(String slot) {
        return mem.readU64(runtimeServices() + RuntimeServicesLayout.offset(slot));
    }

    // ---- calls

    /** Calls a function pointer as the guest does; the raw 64-bit return value. */
    public long invoke(long function, long... args) {
        return fw.registry().invoke(function, CallArgs.of(args));
    }

    /** Calls a function pointer that returns EFI_STATUS. */
    public EfiStatus call(long function, long... args) {
        return status(invoke(function, args));
    }

    /** gBS->slot(args), raw return value. */
    public long invokeBoot(String slot, long... args) {
        return invoke(bootFunction(slot), args);
    }

    /** gBS->slot(args). */
    public EfiStatus boot(String slot, long... args) {
        return call(bootFunction(slot), args);
    }

    /** gRT->slot(args). */
    public EfiStatus runtime(String slot, long... args) {
        return call(runtimeFunction(slot), args);
    }

    private static EfiStatus status(long code) {
        EfiStatus s = EfiStatus.fromCode(code);
        if (s == null) throw new AssertionError("not an EFI_STATUS this firmware returns: " + EfiStatus.describe(code));
        return s;
    }

    /** The interface's function at index (each function pointer is 8 bytes). */
    public long member(long iface, int index) {
        return mem.readU64(iface + 8L * index);
    }

    public List<ServiceCall> trace() {
        return fw.registry().trace();
    }

    public ServiceCall lastCall() {
        List<ServiceCall> t = trace();
        return t.get(t.size() - 1);
    }

    // ---- guest memory the payload owns

    /** size bytes of zeroed scratch (16-byte aligned) in the payload's own AllocatePages area. */
    public long scratch(long size) {
        long a = scratchNext;
        long end = a + ((size + 15) & ~15L);
        if (end > scratchBase + SCRATCH_PAGES * MemoryMap.PAGE_SIZE) throw new IllegalStateException("scratch full");
        scratchNext = end;
        mem.fill(a, size, 0);
        return a;
    }

    public long scratchBase() {
        return scratchBase;
    }

    /** A UINTN/pointer out-parameter holding value. */
    public long cell(long value) {
        long a = scratch(8);
        mem.writeU64(a, value);
        return a;
    }

    public long cell() {
        return cell(0);
    }

    public long u64(long address) {
        return mem.readU64(address);
    }

    public long guid(Guid g) {
        long a = scratch(16);
        mem.write(a, g.toBytes());
        return a;
    }

    public long ucs2(String s) {
        long a = scratch(2L * (s.length() + 1));
        mem.writeUcs2(a, s);
        return a;
    }

    public long bytes(byte[] b) {
        long a = scratch(b.length);
        mem.write(a, b);
        return a;
    }

    public long devicePath(DevicePath dp) {
        return bytes(dp.toBytes());
    }

    /** gBS->AllocatePool(LoaderData, size, &p), asserting success. */
    public long pool(long size) {
        long out = cell();
        assertThat(boot("AllocatePool", MemoryType.LOADER_DATA.value(), size, out))
                .as("AllocatePool(%d) did not return EFI_SUCCESS", size).isEqualTo(EfiStatus.SUCCESS);
        return u64(out);
    }

    // ---- the memory map, as the stubs fetch it

    /** What one successful GetMemoryMap returned. */
    public record MemoryMapReply(long key, int descriptorSize, long version, List<MemoryDescriptor> descriptors) {
        public MemoryDescriptor holding(long address) {
            for (MemoryDescriptor d : descriptors) if (d.contains(address)) return d;
            return null;
        }
    }

    /**
     * The stubs' sequence: GetMemoryMap with size 0, a pool of the size asked for, then
     * GetMemoryMap again into it. Returns the second answer (which includes that pool).
     */
    public MemoryMapReply memoryMapViaPool() {
        long size = cell(0), key = cell(), descSize = cell(), version = cell();
        assertThat(boot("GetMemoryMap", size, 0, key, descSize, version))
                .as("GetMemoryMap with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        long buffer = pool(u64(size));
        assertThat(boot("GetMemoryMap", size, buffer, key, descSize, version))
                .as("GetMemoryMap into a buffer of the size it asked for did not return EFI_SUCCESS")
                .isEqualTo(EfiStatus.SUCCESS);
        return decode(buffer, size, key, descSize, version);
    }

    /** GetMemoryMap into the payload's scratch area: reading the map this way changes nothing in it. */
    public MemoryMapReply memoryMap() {
        if (mapBuffer == 0) mapBuffer = scratch(MAP_BUFFER_SIZE);
        long size = cell(MAP_BUFFER_SIZE), key = cell(), descSize = cell(), version = cell();
        assertThat(boot("GetMemoryMap", size, mapBuffer, key, descSize, version))
                .as("GetMemoryMap did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        return decode(mapBuffer, size, key, descSize, version);
    }

    private MemoryMapReply decode(long buffer, long size, long key, long descSize, long version) {
        int ds = (int) u64(descSize);
        int count = (int) (u64(size) / ds);
        List<MemoryDescriptor> d = MemoryMap.decode(mem.read(buffer, (int) u64(size)), count, ds);
        return new MemoryMapReply(u64(key), ds, mem.readU32(version), d);
    }

    /** The current MapKey as GetMemoryMap reports it (into scratch memory: no map change). */
    public long mapKey() {
        return memoryMap().key();
    }
}
