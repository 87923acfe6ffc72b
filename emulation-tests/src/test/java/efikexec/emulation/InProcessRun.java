package efikexec.emulation;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.table.ConfigTables;
import efikexec.emulator.cpu.Aarch64Adapter;
import efikexec.emulator.run.EfiRunner;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunLimits;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.run.Until;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.emulator.unicorn.UnicornRuntime;
import efikexec.emulator.unicorn.UnicornUnavailableException;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.memmap.source.FdtMemorySource;
import efikexec.model.KnownGuids;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.linux.Arm64ImageHeader;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A run wired as the CLI's RunCommand wires it, whose guest memory is read before the engine
 * closes: what the kernel finds at its first instruction, kept as plain values.
 *
 * @param fault the run's fault record, or null (the RunResult itself is not kept: its guest memory
 *     is unmapped once the engine closes)
 * @param outcome how the run ended
 * @param pc the PC at kernel entry (or at the end of the run)
 * @param x0 x0 at kernel entry
 * @param loadAddress where the firmware loaded the image
 * @param systemTable the firmware's system table address
 * @param console the console text
 * @param configTables the config tables at the end of the run
 * @param firmwareMap the firmware's own memory map at the end of the run
 * @param fdtError why no FDT could be read at x0, or null
 * @param fdt the FDT at x0 (null if none)
 * @param fdtSize its totalsize
 * @param kernelMap the memory map /chosen linux,uefi-mmap-* describes, decoded from guest memory (null if absent)
 * @param kernelMapError why it could not be read, or null
 * @param imageHeaderAtEntry the 64 bytes at pc - primary_entry offset (null if unmapped)
 * @param initrdTable the LINUX_EFI_INITRD_MEDIA table address (null if none)
 * @param initrdBase its base field
 * @param initrdSize its size field
 * @param initrdBytes the bytes [base, base + size) (null unless the size is sane and mapped)
 */
record InProcessRun(String fault, Outcome outcome, long pc, long x0, long loadAddress, long systemTable,
        String console, List<ConfigTables.Entry> configTables, List<MemoryDescriptor> firmwareMap, String fdtError,
        Fdt fdt, long fdtSize, List<MemoryDescriptor> kernelMap, String kernelMapError, byte[] imageHeaderAtEntry,
        Long initrdTable, long initrdBase, long initrdSize, byte[] initrdBytes) {

    /** Unicorn from the cache (or EFIKEXEC_UNICORN); missing: fail in CI, else abort. */
    static UnicornRuntime unicorn() {
        try {
            return UnicornRuntime.load(null);
        } catch (UnicornUnavailableException e) {
            throw Fixtures.missing(e.getMessage() + ": " + Fixtures.SETUP_HINT);
        }
    }

    static InProcessRun run(byte[] kernel, byte[] dtb, String cmdline, byte[] initrd, Long loadAddress) {
        return run(kernel, Arm64ImageHeader.parse(kernel), "vmlinuz", dtb, cmdline, initrd, loadAddress);
    }

    /**
     * Any arm64 EFI image (a UKI, a zboot image); {@code header} is the Image header of the kernel
     * it starts, for {@link #imageHeaderAtEntry}.
     */
    static InProcessRun run(byte[] image, Arm64ImageHeader header, String name, byte[] dtb, String cmdline, byte[] initrd,
            Long loadAddress) {
        FirmwareOptions options = new FirmwareOptions(FdtMemorySource.read(dtb), image, name, cmdline, initrd,
                dtb, 0, loadAddress, text -> { });
        try (UnicornBackend cpu = UnicornBackend.openAarch64(unicorn())) {
            EfiRunner runner = new EfiRunner(cpu, new Aarch64Adapter(header));
            RunResult r = runner.run(options, Until.ENTRY, new RunLimits(0, 60_000, false));
            return capture(r, header);
        }
    }

    private static InProcessRun capture(RunResult r, Arm64ImageHeader header) {
        Firmware fw = r.firmware();
        GuestMemory mem = fw.memory();
        Map<String, Long> regs = r.registers();
        long pc = r.kernelEntry() != null ? r.kernelEntry().pc() : regs.getOrDefault("pc", 0L);
        long x0 = regs.getOrDefault("x0", 0L);

        String fdtError = null;
        Fdt fdt = null;
        long fdtSize = 0;
        List<MemoryDescriptor> kernelMap = null;
        String kernelMapError = null;
        if (!mem.isMapped(x0, 40)) {
            fdtError = String.format("x0 0x%x is not mapped guest memory", x0);
        } else {
            long magic = be32(mem, x0);
            fdtSize = be32(mem, x0 + 4);
            if (magic != (Fdt.MAGIC & 0xffffffffL)) {
                fdtError = String.format("no FDT magic at x0 0x%x (found 0x%08x)", x0, magic);
            } else if (fdtSize > (64 << 20) || !mem.isMapped(x0, fdtSize)) {
                fdtError = String.format("FDT at 0x%x: totalsize 0x%x is not mapped", x0, fdtSize);
            } else {
                try {
                    fdt = Fdt.parse(mem.read(x0, (int) fdtSize));
                } catch (RuntimeException e) {
                    fdtError = "FDT at x0 does not parse: " + e.getMessage();
                }
            }
        }
        if (fdt != null) {
            try {
                FdtNode chosen = fdt.node("/chosen").orElseThrow(() -> new IllegalStateException("no /chosen"));
                long start = required(chosen, "linux,uefi-mmap-start");
                long size = chosen.propertyU32("linux,uefi-mmap-size").orElseThrow();
                long descSize = chosen.propertyU32("linux,uefi-mmap-desc-size").orElseThrow();
                if (descSize < MemoryMap.DESCRIPTOR_FIELDS_SIZE || size % descSize != 0 || size > (1 << 20)
                        || !mem.isMapped(start, size)) {
                    throw new IllegalStateException(String.format("mmap 0x%x size 0x%x desc-size %d is not readable",
                            start, size, descSize));
                }
                kernelMap = MemoryMap.decode(mem.read(start, (int) size), (int) (size / descSize), (int) descSize);
            } catch (RuntimeException e) {
                kernelMapError = e.toString();
            }
        }

        byte[] headerBytes = null;
        long base = pc - header.primaryEntryOffset();
        if (mem.isMapped(base, Arm64ImageHeader.SIZE)) headerBytes = mem.read(base, Arm64ImageHeader.SIZE);

        Long initrdTable = fw.configTables().find(KnownGuids.LINUX_EFI_INITRD_MEDIA);
        long initrdBase = 0, initrdSize = 0;
        byte[] initrdBytes = null;
        if (initrdTable != null && mem.isMapped(initrdTable, 16)) {
            initrdBase = mem.readU64(initrdTable);
            initrdSize = mem.readU64(initrdTable + 8);
            if (initrdSize > 0 && initrdSize < (64 << 20) && mem.isMapped(initrdBase, initrdSize)) {
                initrdBytes = mem.read(initrdBase, (int) initrdSize);
            }
        }
        return new InProcessRun(r.fault() == null ? null : r.fault().toString(), r.outcome(), pc, x0, r.image().base(), fw.systemTable().address(),
                fw.consoleText(), List.copyOf(fw.configTables().entries()), fw.memoryMap().descriptors(), fdtError, fdt,
                fdtSize, kernelMap, kernelMapError, headerBytes, initrdTable, initrdBase, initrdSize, initrdBytes);
    }

    private static long required(FdtNode chosen, String name) {
        OptionalLong v = chosen.propertyU64(name);
        if (v.isEmpty()) throw new IllegalStateException("/chosen has no " + name);
        return v.getAsLong();
    }

    private static long be32(GuestMemory mem, long at) {
        byte[] b = mem.read(at, 4);
        return (b[0] & 0xffL) << 24 | (b[1] & 0xffL) << 16 | (b[2] & 0xffL) << 8 | (b[3] & 0xffL);
    }

    /** For assertion messages: how the run ended. */
    String describe() {
        return outcome + (fault != null ? " " + fault : "") + "\nconsole:\n" + console;
    }
}
