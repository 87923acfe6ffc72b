package efikexec.cli.option;

import efikexec.emulator.run.Until;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What `run` (and later `handoff`) share: the target, what the image gets, the budgets. */
public final class RunOptions {
    @Mixin
    public TargetOptions target = new TargetOptions();

    @Option(names = "--cmdline", paramLabel = "STRING", description = "The image's load options (the kernel command line).")
    public String cmdline;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initrd served through LoadFile2 on the LINUX_EFI_INITRD_MEDIA device path.")
    public Path initrd;

    @Option(names = "--profile", paramLabel = "N",
            description = "UKI profile to boot (systemd-stub 257+): LoadOptions start with @N, as systemd-boot passes it.")
    public Integer profile;

    @Option(names = "--smbios-type11", paramLabel = "STRING",
            description = "An OEM string in an SMBIOS type 11 table (repeatable), e.g. io.systemd.stub.kernel-cmdline-extra=…")
    public java.util.List<String> smbiosType11 = new java.util.ArrayList<>();

    @Option(names = "--esp", paramLabel = "DIR", description = "A directory served read-only as the image's ESP (SimpleFileSystem):"
            + " systemd-stub picks up addons, credentials and extensions there. The image sits at its path inside DIR, else at EFI\\Linux\\NAME.")
    public Path esp;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of EFI_RNG and the random-seed table (default ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--load-address", paramLabel = "ADDR", converter = AddressConverter.class,
            description = "Load the image at this physical address instead of the firmware's choice.")
    public Long loadAddress;

    @Option(names = "--until", paramLabel = "ebs|entry", defaultValue = "entry", converter = UntilConverter.class,
            description = "Stop after ExitBootServices (ebs) or at the kernel's first instruction (entry, default).")
    public Until until;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "0",
            description = "Instruction budget (0 = none); implies counting.")
    public long maxInstructions;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Wall-clock budget of the emulation (default ${DEFAULT-VALUE} s, 0 = none).")
    public double timeoutSeconds;

    @Option(names = "--count-instructions", description = "Count guest instructions (costs a hook on every block).")
    public boolean countInstructions;

    @Option(names = "--unicorn", paramLabel = "LIB", description = "libunicorn.so.2 to use (default: EFIKEXEC_UNICORN, the setup cache, the system).")
    public String unicorn;
}
