package efikexec.cli;

import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.call.ServiceCall;
import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.cli.option.RunOptions;
import efikexec.cli.option.TargetOptions;
import efikexec.emulator.cpu.Aarch64Adapter;
import efikexec.emulator.run.EfiRunner;
import efikexec.emulator.run.RunLimits;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.emulator.unicorn.UnicornRuntime;
import efikexec.pe.IdentifiedImage;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.linux.Arm64ImageHeader;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Everything a run needs, read and checked before anything runs, so that bad input fails
 * fast with one line; then as many emulations of it as a command wants.
 */
record RunInputs(Path image, byte[] file, IdentifiedImage id, Arm64ImageHeader header, TargetOptions.Target target,
        byte[] initrd, RunOptions run, UnicornRuntime runtime) {

    static RunInputs read(Path image, byte[] file, RunOptions run) {
        IdentifiedImage id = InputFiles.parse(image, file, ImageIdentifier::identify);
        if (!X86_64.equals(id.arch()) && !AARCH64.equals(id.arch())) {
            throw new UserInputException(image + ": " + formatName(id) + " for " + id.arch()
                    + "; efikexec runs arm64 and x86_64 images");
        }
        Arm64ImageHeader header = id.format() == ImageFormat.ARM64_LINUX_IMAGE
                ? InputFiles.parse(image, file, Arm64ImageHeader::parse) : null;
        // Without a target option each architecture gets its usual test machine.
        TargetOptions.Target target = !run.target.given() && X86_64.equals(id.arch())
                ? TargetOptions.q35Default() : run.target.resolve();
        if (id.format() == ImageFormat.UKI && run.initrd != null) {
            // systemd-stub serves the UKI's initrd itself and stops ("Already started") when the
            // firmware has installed one: no second initrd can reach the kernel this way.
            throw new UserInputException(image + ": --initrd: a UKI carries its initrd in its .initrd section;"
                    + " add more with efikexec uki build --initrd");
        }
        byte[] initrd = run.initrd != null ? InputFiles.read(run.initrd, "initrd (--initrd)") : null;
        if (run.profile != null) checkProfile(image, file, id, run.profile);
        for (String s : run.smbiosType11) {
            if (s.isEmpty() || s.indexOf('\0') >= 0) {
                throw new UserInputException("--smbios-type11 \"" + s + "\": expected a non-empty string without NUL bytes");
            }
        }
        if (run.smbiosType11.size() > efikexec.bootservices.table.SmbiosTable.MAX_STRINGS) {
            throw new UserInputException("--smbios-type11: at most " + efikexec.bootservices.table.SmbiosTable.MAX_STRINGS
                    + " strings fit one type 11 structure");
        }
        if (run.maxInstructions < 0) {
            throw new UserInputException("--max-instructions " + run.maxInstructions + ": expected 0 or more");
        }
        if (!(run.timeoutSeconds >= 0) || Double.isInfinite(run.timeoutSeconds)) {
            throw new UserInputException("--timeout " + run.timeoutSeconds + ": expected 0 or more seconds (a finite number)");
        }
        if (X86_64.equals(id.arch()) && (run.maxInstructions > 0 || run.countInstructions)) {
            // Block sizes are bytes and x86 instructions vary in length: no cheap count exists.
            throw new UserInputException((run.maxInstructions > 0 ? "--max-instructions" : "--count-instructions")
                    + ": instruction counts are arm64 only (x86 has --timeout)");
        }
        efikexec.cli.progress.StartupClock.mark("inputs checked");
        UnicornRuntime runtime = UnicornRuntime.load(run.unicorn);
        efikexec.cli.progress.StartupClock.mark("unicorn loaded");
        return new RunInputs(image, file, id, header, target, initrd, run, runtime);
    }

    /**
     * Profiles are systemd-stub 257's: older stubs would take "@N" as the whole command line, so
     * --profile is refused for them, and for anything that is not a UKI.
     */
    private static void checkProfile(Path image, byte[] file, IdentifiedImage id, int profile) {
        if (profile < 0) throw new UserInputException("--profile " + profile + ": expected 0 or more");
        if (id.format() != ImageFormat.UKI) {
            throw new UserInputException(image + ": --profile: only a UKI has profiles; this is " + id.format().description());
        }
        long stubEnd = id.pe().section(".linux").map(s -> s.pointerToRawData()).orElse((long) file.length);
        java.util.Optional<efikexec.pe.uki.StubVersion> v = efikexec.pe.uki.StubVersion.find(file, (int) stubEnd);
        if (v.isEmpty() || v.get().major() < 257) {
            throw new UserInputException(image + ": --profile: profiles need systemd-stub 257 or later; this UKI's stub is "
                    + v.map(x -> "systemd-stub " + x.text()).orElse("of unknown version"));
        }
    }

    /** The first image's LoadOptions: the command line, after "@N " when a profile is chosen. */
    String loadOptions() {
        if (run.profile == null) return run.cmdline;
        return "@" + run.profile + (run.cmdline != null ? " " + run.cmdline : "");
    }

    /** The arm64 Image header of the kernel the file carries: the file itself, or a UKI's .linux. */
    Arm64ImageHeader kernelInFile() {
        if (header != null) return header;
        if (id.format() != ImageFormat.UKI) return null;
        // The header is the first 64 bytes: no need to copy the whole 32 MB section for it.
        long at = id.pe().section(".linux").map(efikexec.pe.PeSection::pointerToRawData).orElse(-1L);
        if (at < 0 || at > file.length - Arm64ImageHeader.SIZE) return null;
        byte[] linux = java.util.Arrays.copyOfRange(file, (int) at, (int) at + Arm64ImageHeader.SIZE);
        if (!Arm64ImageHeader.isArm64Image(linux)) return null;
        try {
            return Arm64ImageHeader.parse(linux);
        } catch (efikexec.model.FormatException e) {
            return null; // the stub will say what is wrong with its kernel
        }
    }

    static final String AARCH64 = "aarch64";
    static final String X86_64 = "x86_64";

    boolean x86() {
        return X86_64.equals(id.arch());
    }

    /** A fresh engine for this image's architecture. */
    UnicornBackend openEngine() {
        return x86() ? UnicornBackend.openX64(runtime) : UnicornBackend.openAarch64(runtime);
    }

    static String formatName(IdentifiedImage id) {
        return id.format().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** One emulation on a fresh engine; the caller closes the engine after reading guest memory. */
    RunResult emulate(UnicornBackend cpu, Consumer<ServiceCall> calls, Consumer<String> progress) {
        return emulate(cpu, calls, progress, false);
    }

    /** --host: this machine's ACPI and SMBIOS tables, passed through where its firmware put them. */
    static java.util.List<efikexec.bootservices.FirmwareTable> hostTables(efikexec.kexec.host.HostTarget h) {
        java.util.List<efikexec.bootservices.FirmwareTable> t = new java.util.ArrayList<>();
        if (h.acpi() != null) {
            t.add(new efikexec.bootservices.FirmwareTable(h.acpi().acpi20() ? efikexec.model.KnownGuids.ACPI_20
                    : efikexec.model.KnownGuids.ACPI_10, h.acpi().address()));
        }
        if (h.smbios() != null) {
            t.add(new efikexec.bootservices.FirmwareTable(h.smbios().v3() ? efikexec.model.KnownGuids.SMBIOS3
                    : efikexec.model.KnownGuids.SMBIOS, h.smbios().address()));
        }
        return t;
    }

    /**
     * @param secureBoot the image passed a signature check against a db (--verify-signature): the
     *     firmware then says Secure Boot is on, and stubs act on it (systemd-stub keeps a UKI's own
     *     .cmdline over LoadOptions)
     */
    RunResult emulate(UnicornBackend cpu, Consumer<ServiceCall> calls, Consumer<String> progress, boolean secureBoot) {
        EfiRunner runner = new EfiRunner(cpu, x86() ? new efikexec.emulator.cpu.X64Adapter(file) : new Aarch64Adapter(kernelInFile()));
        runner.onServiceCall(calls);
        runner.onProgress(progress);
        FirmwareOptions options = new FirmwareOptions(target.memory(), file, image.getFileName().toString(),
                loadOptions(), initrd, target.dtb(), run.seed, run.loadAddress, text -> { }).withSmbiosType11(run.smbiosType11)
                .withSecureBoot(secureBoot);
        if (target.host() != null) options = options.withFirmwareTables(hostTables(target.host()));
        efikexec.cli.esp.EspDirectory esp = run.esp == null ? null : efikexec.cli.esp.EspDirectory.open(run.esp);
        if (esp != null) options = options.withEsp(esp, esp.imagePath(image));
        RunLimits limits = new RunLimits(run.maxInstructions, (long) Math.ceil(run.timeoutSeconds * 1000),
                run.countInstructions);
        try {
            return runner.run(options, run.until, limits);
        } catch (efikexec.bootservices.LoadAddressException e) {
            throw new UserInputException(image + ": --load-address " + e.getMessage());
        } catch (efikexec.bootservices.FirmwareException e) {
            throw new UserInputException(image + ": " + e.getMessage());
        } catch (efikexec.model.FormatException e) {
            throw new UserInputException(image + ": " + e.describe());
        }
    }
}
