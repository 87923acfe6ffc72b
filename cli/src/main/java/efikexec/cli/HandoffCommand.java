package efikexec.cli;

import efikexec.cli.handoff.ConsoleUart;
import efikexec.cli.input.AtomicFile;
import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.cli.option.RunOptions;
import efikexec.cli.report.JsonText;
import efikexec.emulator.run.Outcome;
import efikexec.emulator.run.RunResult;
import efikexec.emulator.run.Snapshot;
import efikexec.emulator.run.Until;
import efikexec.emulator.unicorn.UnicornBackend;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.purgatory.BundleDoesNotFitException;
import efikexec.purgatory.bundle.HandoffElf;
import efikexec.purgatory.bundle.KernelEntry;
import efikexec.purgatory.bundle.Manifest;
import efikexec.purgatory.bundle.MultibootElf32;
import efikexec.purgatory.bundle.StubPlacement;
import efikexec.purgatory.bundle.TargetArch;
import efikexec.purgatory.segment.MemoryRange;
import efikexec.purgatory.segment.Segment;
import efikexec.purgatory.segment.SegmentDigest;
import efikexec.purgatory.segment.SegmentPacker;
import efikexec.purgatory.segment.TargetPages;
import efikexec.purgatory.stub.Aarch64HandoffStub;
import efikexec.purgatory.stub.X64HandoffStub;
import efikexec.purgatory.stub.HandoffParameters;
import efikexec.purgatory.stub.SegmentCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `efikexec handoff IMAGE (run options) -o DIR`: runs the image to its kernel's entry and writes
 * the state as a bundle that boots with no firmware (DESIGN "Handoff bundle"): handoff.elf (one
 * PT_LOAD per kexec segment plus the stub, e_entry = the stub) and manifest.json; for x86_64 also
 * handoff-multiboot.elf, the same loads for QEMU's -kernel, and handoff.elf carries a PVH note that
 * QEMU's -kernel boots faster (no Multiboot copy).
 */
@Command(name = "handoff", mixinStandardHelpOptions = true,
        description = "Run IMAGE to its kernel's entry and write that state as a bundle that boots with no firmware.")
public final class HandoffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Directory for handoff.elf and manifest.json.")
    Path output;

    @Spec
    CommandSpec spec;

    /** The stub is one more PT_LOAD: the kernel's memory gets the other 15 of kexec's 16. */
    static final int SEGMENT_LIMIT = SegmentPacker.KEXEC_SEGMENT_MAX - 1;

    @Override
    public Integer call() {
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new UserInputException(output + ": -o: not a directory");
        }
        if (run.until != Until.ENTRY) throw new UserInputException("--until " + run.until + ": a bundle is the state at kernel entry");
        byte[] file = InputFiles.read(image, "EFI image");
        RunInputs in = RunInputs.read(image, file, run);
        PrintWriter out = spec.commandLine().getOut();
        Snapshot s;
        try (UnicornBackend cpu = in.openEngine()) {
            // long work shows progress on a terminal (DESIGN): seconds natively, minutes in a TCG guest
            PrintWriter progress = System.console() != null ? spec.commandLine().getErr() : null;
            RunResult r = in.emulate(cpu, c -> { }, p -> {
                if (progress != null) {
                    progress.println("efikexec: " + p);
                    progress.flush();
                }
            });
            if (r.outcome() != Outcome.KERNEL_ENTRY) {
                PrintWriter err = spec.commandLine().getErr();
                err.printf("efikexec: %s: %s at pc 0x%x: %s; no bundle written%n", image, r.outcome().label(),
                        r.fault() != null ? r.fault().pc() : 0, r.fault() != null ? r.fault().message() : "");
                err.flush();
                return ExitCodes.GUEST;
            }
            s = Snapshot.take(r, in.id().arch());
        }

        List<MemoryRange> ranges = new ArrayList<>();
        for (Snapshot.Range x : s.ranges()) ranges.add(new MemoryRange(x.start(), x.bytes()));
        List<Segment> segments;
        try {
            segments = SegmentPacker.pack(ranges, in.target().memory(), SEGMENT_LIMIT);
        } catch (BundleDoesNotFitException e) {
            throw new UserInputException(image + ": " + e.getMessage());
        }
        List<byte[]> digests = new ArrayList<>();
        List<SegmentCheck> checks = new ArrayList<>();
        for (Segment seg : segments) {
            byte[] d = SegmentDigest.sha256(seg);
            digests.add(d);
            checks.add(new SegmentCheck(seg.address(), seg.bufsz(), seg.memsz() - seg.bufsz(), d));
        }
        Map<String, Long> regs = s.registers();
        if (in.x86()) {
            // --host: the 16550 of the running kernel's console (none when it is not ttyS0-3)
            long uart = in.target().host() == null ? X64HandoffStub.COM1
                    : efikexec.kexec.host.HostTarget.x86SerialPort(in.target().host().console());
            return x86(in.target().memory(), uart, in.target().host() == null, s, segments, digests, checks, out);
        }
        long[] x = {regs.getOrDefault("x0", 0L), regs.getOrDefault("x1", 0L), regs.getOrDefault("x2", 0L),
            regs.getOrDefault("x3", 0L)};
        byte[] stub = Aarch64HandoffStub.build(new HandoffParameters(ConsoleUart.pl011Base(in.target().dtb()), s.entry(), x, checks));
        StubPlacement place;
        try {
            place = StubPlacement.choose(in.target().memory(), segments, stub.length);
        } catch (BundleDoesNotFitException e) {
            throw new UserInputException(image + ": " + e.getMessage());
        }
        return write(TargetArch.AARCH64, in.target().memory(), segments, digests, place, stub, s, null, -1, "", out);
    }

    /**
     * Writes handoff.elf, manifest.json and, for x86, handoff-multiboot.elf into the output
     * directory (each whole or not at all), and says what it wrote.
     */
    private int write(TargetArch arch, TargetMemory target, List<Segment> segments, List<byte[]> digests, StubPlacement place,
            byte[] stub, Snapshot s, MultibootElf32 multiboot, long pvhEntry, String more, PrintWriter out) {
        HandoffElf elf = new HandoffElf(arch, segments, place.address(), stub, pvhEntry);
        Map<String, Object> manifest = Manifest.of(arch, segments, digests, place, new KernelEntry(s.entry(), s.registers()));
        manifest.put("target", Manifest.target(target));
        try {
            Files.createDirectories(output);
        } catch (IOException e) {
            throw new UserInputException(output + ": -o: cannot create the directory (" + e.getMessage() + ")");
        }
        AtomicFile.write(output.resolve("handoff.elf"), elf.toBytes());
        if (multiboot != null) AtomicFile.write(output.resolve("handoff-multiboot.elf"), multiboot.toBytes());
        AtomicFile.write(output.resolve("manifest.json"), JsonText.pretty(manifest));
        long kept = 0;
        for (Segment seg : segments) kept += seg.bufsz();
        out.printf("%s: %d segments (%.1f MiB stored), stub at 0x%x, kernel entry 0x%x%s%n", output, segments.size(),
                kept / 1048576.0, place.address(), s.entry(), more);
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The Multiboot ELF with a short span: QEMU copies everything from the lowest to the highest
     * PT_LOAD (the kernel sits low, the firmware's tables at the top of RAM: ~1 GiB, seconds of
     * load time). The largest segment (the kernel) stays where it is with the segments that
     * touch it end to end (the packer splits a kernel at its zero runs into such a chain), the
     * stub goes right after them and every other segment is loaded right after the stub, for the
     * stub's prologue to copy to its place. Null when that area is not free RAM: then the plain
     * layout.
     */
    private static MultibootElf32 compactMultiboot(TargetMemory target, List<Segment> segments, byte[] stub) {
        if (segments.isEmpty()) return null;
        int largest = 0;
        for (int i = 0; i < segments.size(); i++) if (segments.get(i).memsz() > segments.get(largest).memsz()) largest = i;
        int first = largest;
        int last = largest;
        while (first > 0 && segments.get(first - 1).end() == segments.get(first).address()) first--;
        while (last + 1 < segments.size() && segments.get(last).end() == segments.get(last + 1).address()) last++;
        if (segments.size() - (last - first + 1) > X64HandoffStub.MAX_MOVES) return null;
        long at = TargetPages.alignUp(segments.get(last).end());
        long cursor = TargetPages.alignUp(at + stub.length);
        List<Segment> loads = new ArrayList<>(segments.subList(first, last + 1));
        List<long[]> moves = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            if (i >= first && i <= last) continue;
            Segment s = segments.get(i);
            loads.add(new Segment(cursor, s.buffer(), s.memsz()));
            moves.add(new long[] {cursor, s.address(), s.memsz()});
            cursor += s.memsz();
        }
        long end = cursor + MultibootElf32.INFO_SIZE;
        TargetPages pages = TargetPages.of(target);
        if (end > 0x1_0000_0000L || !pages.isRam(at, end) || pages.reservedIn(at, end) != null) return null;
        for (Segment s : segments) {
            if (s.address() < end && at < s.address() + s.memsz()) return null;
        }
        byte[] placed = X64HandoffStub.withMoves(X64HandoffStub.located(stub, at), moves);
        return new MultibootElf32(loads, at, placed, X64HandoffStub.multibootEntry(at));
    }

    /**
     * x86_64: the stub enters startup_64 with rsi = boot_params and reports on {@code uart}: COM1
     * (0x3f8, the 16550 QEMU's q35 and pc give the serial console and Linux calls ttyS0; the
     * target has no device tree to name another), or with --host the running kernel's console.
     * Besides handoff.elf for kexec, handoff-multiboot.elf for QEMU's -kernel, whose span (lowest
     * to highest PT_LOAD, plus the page QEMU writes after it) must be RAM the target does not
     * reserve; with --host ({@code multibootRequired} false) a wrapper that cannot be made is left
     * out with a warning.
     */
    private int x86(TargetMemory target, long uart, boolean multibootRequired, Snapshot s, List<Segment> segments,
            List<byte[]> digests, List<SegmentCheck> checks, PrintWriter out) {
        Map<String, Long> regs = s.registers();
        long[] r = {regs.getOrDefault("rsi", 0L), 0, 0, 0};
        byte[] stub = X64HandoffStub.build(new HandoffParameters(uart, s.entry(), r, checks));
        StubPlacement place;
        byte[] kexecStub;
        try {
            place = StubPlacement.choose(target, segments, stub.length);
            kexecStub = X64HandoffStub.located(stub, place.address());
        } catch (BundleDoesNotFitException | IllegalArgumentException e) {
            throw new UserInputException(image + ": " + e.getMessage());
        }
        MultibootElf32 multiboot = null;
        String problem = null;
        try {
            multiboot = compactMultiboot(target, segments, stub);
            if (multiboot == null) {
                multiboot = new MultibootElf32(segments, place.address(), kexecStub,
                        X64HandoffStub.multibootEntry(place.address()));
            }
            long[] span = multiboot.span();
            TargetPages pages = TargetPages.of(target);
            PhysicalRange reserved = pages.reservedIn(span[0], span[1]);
            if (!pages.isRam(span[0], span[1]) || reserved != null) {
                problem = String.format("the Multiboot span [0x%x-0x%x) is not all free RAM%s", span[0], span[1],
                        reserved == null ? "" : String.format(" (reserved [0x%x-0x%x))", reserved.start(), reserved.end()));
            }
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            if (multibootRequired) throw new UserInputException(image + ": " + problem);
            // --host: the bundle is for kexec; the Multiboot wrapper only ever served QEMU tests
            PrintWriter err = spec.commandLine().getErr();
            err.println("efikexec: " + image + ": no handoff-multiboot.elf (QEMU's -kernel wrapper): " + problem);
            err.flush();
            multiboot = null;
        }
        String more = multiboot == null ? ""
                : String.format(", Multiboot span [0x%x-0x%x)", multiboot.span()[0], multiboot.span()[1]);
        // PVH: the prologue's identity map covers 4 GiB, so every segment must lie below it
        long pvhEntry = X64HandoffStub.multibootEntry(place.address());
        for (Segment seg : segments) if (seg.address() + seg.memsz() > 0x1_0000_0000L) pvhEntry = -1;
        return write(TargetArch.X86_64, target, segments, digests, place, kexecStub, s, multiboot, pvhEntry, more, out);
    }
}
