package efikexec.cli.option;

import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.memmap.TargetMemory;
import efikexec.memmap.source.FdtMemorySource;
import efikexec.memmap.source.RamSpecSource;
import efikexec.model.FormatException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The target machine (DESIGN.md "Addresses are the target's physical addresses"): one source of its memory. */
public final class TargetOptions {

    /** With neither --dtb nor --ram: QEMU virt's RAM with -m 1G, the common arm64 test target. */
    public static final String DEFAULT_ARM64_RAM = "0x40000000:1G";

    static final class Source {
        @Option(names = "--dtb", paramLabel = "FILE",
                description = "Target device tree: RAM from its memory nodes, reserved ranges from /memreserve/ and "
                        + "/reserved-memory; also installed as the DEVICE_TREE config table.")
        Path dtb;

        @Option(names = "--ram", paramLabel = "BASE:SIZE[,...]",
                description = "Target RAM ranges, e.g. 0x40000000:1G (default " + DEFAULT_ARM64_RAM + " on arm64).")
        String ram;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    /** The resolved target: its memory and the DTB bytes (null without --dtb). */
    public record Target(TargetMemory memory, byte[] dtb, String description) {
    }

    public Target resolve() {
        Source s = source == null ? new Source() : source;
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
}
