package efikexec.cli.option;

import efikexec.cli.input.EnvironmentException;
import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.kexec.host.HostException;
import efikexec.kexec.host.HostSystem;
import efikexec.kexec.host.HostTarget;
import efikexec.memmap.TargetMemory;
import efikexec.memmap.source.E820MemorySource;
import efikexec.memmap.source.FdtMemorySource;
import efikexec.memmap.source.RamSpecSource;
import efikexec.model.FormatException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The target machine (DESIGN.md "Addresses are the target's physical addresses"): one source of its memory. */
public final class TargetOptions {

    /** With no --dtb, --memmap or --ram: QEMU virt's RAM with -m 1G, the common arm64 test target. */
    public static final String DEFAULT_ARM64_RAM = "0x40000000:1G";

    /** The description of {@link #q35Default()} in reports. */
    public static final String Q35_DESCRIPTION = "q35 default (1 GiB)";

    static final class Source {
        @Option(names = "--dtb", paramLabel = "FILE",
                description = "Target device tree: RAM from its memory nodes, reserved ranges from /memreserve/ and "
                        + "/reserved-memory; also installed as the DEVICE_TREE config table.")
        Path dtb;

        @Option(names = "--ram", paramLabel = "BASE:SIZE[,...]",
                description = "Target RAM ranges, e.g. 0x40000000:1G (default " + DEFAULT_ARM64_RAM + " on arm64).")
        String ram;

        @Option(names = "--memmap", paramLabel = "FILE|DIR",
                description = "Target e820 table (x86): a kernel log holding its 'BIOS-e820: [mem ...]' lines "
                        + "(dmesg, journalctl -k -b), or a copy of /sys/firmware/memmap. Usable ranges are RAM, "
                        + "all others reserved.")
        Path memmap;

        @Option(names = "--host",
                description = "This machine, for a real kexec: its firmware memory map (x86: /sys/firmware/memmap; "
                        + "arm64: /sys/firmware/fdt, also the new kernel's device tree) with /proc/iomem's crash kernel "
                        + "reserved, its ACPI RSDP passed through and its console for the stub's messages.")
        boolean host;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    /**
     * The resolved target: its memory, the DTB bytes (null without --dtb or an arm64 --host) and,
     * with --host, what was read of this machine (null otherwise).
     */
    public record Target(TargetMemory memory, byte[] dtb, String description, HostTarget host) {
        public Target(TargetMemory memory, byte[] dtb, String description) {
            this(memory, dtb, description, null);
        }
    }

    /** Whether the target was given on the command line (--dtb, --memmap or --ram). */
    public boolean given() {
        return source != null && (source.dtb != null || source.ram != null || source.memmap != null || source.host);
    }

    /** Whether the target is this machine (--host). */
    public boolean host() {
        return source != null && source.host;
    }

    /** QEMU q35 with 1 GiB under SeaBIOS, as its guest's e820 shows it: the x86 test target. */
    public static Target q35Default() {
        return new Target(E820MemorySource.q35Default(), null, Q35_DESCRIPTION);
    }

    public Target resolve() {
        Source s = source == null ? new Source() : source;
        if (s.host) {
            try {
                HostTarget h = HostTarget.read(HostSystem.local());
                return new Target(h.memory(), h.dtb(), "host", h);
            } catch (HostException e) {
                throw new EnvironmentException("--host: " + e.getMessage());
            }
        }
        if (s.memmap != null) {
            return new Target(readMemmap(s.memmap), null, "memmap " + s.memmap.getFileName());
        }
        if (s.dtb != null) {
            byte[] dtb = InputFiles.read(s.dtb, "device tree (--dtb)");
            TargetMemory m = InputFiles.parse(s.dtb, dtb, FdtMemorySource::read);
            return new Target(m, dtb, "dtb " + s.dtb.getFileName());
        }
        String spec = s.ram != null ? s.ram : DEFAULT_ARM64_RAM;
        try {
            return new Target(RamSpecSource.parse(spec), null, "ram " + spec);
        } catch (FormatException e) {
            throw new UserInputException("--ram " + spec + ": " + e.describe());
        }
    }

    /**
     * --memmap through E820MemorySource.read, every failure as one line naming the path. Any
     * non-directory is read as text, so {@code --memmap <(dmesg)} works too.
     */
    private static TargetMemory readMemmap(Path path) {
        String role = "--memmap";
        if (!Files.exists(path)) throw new UserInputException(path + ": no such file or directory (" + role + ")");
        try {
            return E820MemorySource.read(path);
        } catch (FormatException e) {
            throw new UserInputException(path + ": " + e.describe());
        } catch (AccessDeniedException e) {
            throw new UserInputException(path + ": permission denied (" + role + inside(path, e.getFile()) + ")");
        } catch (NoSuchFileException e) {
            throw new UserInputException(path + ": no such file (" + role + inside(path, e.getFile()) + ")");
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot read (" + role + "): " + e);
        }
    }

    /** ", FILE" when the file that failed is one inside the --memmap directory. */
    private static String inside(Path path, String file) {
        return file == null || file.equals(path.toString()) ? "" : ", " + file;
    }
}
