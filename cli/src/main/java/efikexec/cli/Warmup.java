package efikexec.cli;

import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.FirmwareSetup;
import efikexec.bootservices.call.CallArgs;
import efikexec.cli.report.RunReport;
import efikexec.emulator.cpu.Aarch64Cpu;
import efikexec.emulator.unicorn.UnicornRuntime;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.memory.ByteArrayGuestMemory;
import efikexec.model.table.BootServicesLayout;
import efikexec.model.table.SystemTableLayout;
import java.util.List;
import java.util.Map;

/**
 * Work every `run` needs whatever its options, done on the second core while the first parses
 * the command line (~140 ms of picocli start-up): loading libunicorn (a 20 MB library), and a
 * throw-away firmware built over a small byte array with a few service calls, so that the
 * real run finds the firmware's classes loaded and initialised. Measured: a cold run's set-up
 * before emulation went from ~60–120 ms to … (see the README's speed section).
 * Failures are ignored here; the command reports them itself when it needs the thing.
 */
final class Warmup {
    private static final long BASE = 0x4000_0000L;
    private static final int SIZE = 8 << 20;

    private Warmup() {
    }

    static void start(String[] args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("demo"))) return;
        Thread t = new Thread(Warmup::warm, "efikexec-warmup");
        t.setDaemon(true);
        t.start();
    }

    /**
     * A few instructions with one trap on a throw-away engine: the first engine, the first JNA
     * callback and the trap path each cost milliseconds once per process.
     */
    private static void warmEngine(UnicornRuntime runtime) {
        try (efikexec.emulator.unicorn.UnicornBackend cpu = efikexec.emulator.unicorn.UnicornBackend.openAarch64(runtime)) {
            cpu.mapRam(BASE, 2 << 20, efikexec.emulator.backend.Permission.ALL);
            Aarch64Cpu code = new Aarch64Cpu();
            cpu.memory().write(BASE, code.trapThunk(1));
            cpu.onInterrupt(n -> {
                cpu.read(efikexec.emulator.backend.Aarch64Register.X0);
                cpu.write(efikexec.emulator.backend.Aarch64Register.X0, 0);
                cpu.stop();
            });
            cpu.run(BASE, 1_000_000, 0);
        }
    }

    private static void warm() {
        try {
            UnicornRuntime runtime = UnicornRuntime.load(null);
            warmEngine(runtime);
        } catch (RuntimeException | LinkageError ignored) {
            // reported by the command when it loads the library itself
        }
        try {
            ByteArrayGuestMemory mem = new ByteArrayGuestMemory(BASE, SIZE);
            FirmwareOptions o = new FirmwareOptions(new TargetMemory(List.of(new PhysicalRange(BASE, SIZE)), List.of()),
                    null, "warmup", null, null, null, 0, null, text -> { });
            FirmwareSetup.Built b = FirmwareSetup.build(mem, new Aarch64Cpu(), o);
            long bs = mem.readU64(b.firmware().systemTable().address() + SystemTableLayout.BOOT_SERVICES);
            long scratch = BASE + SIZE - 4096;
            mem.writeU64(scratch, 0);
            b.firmware().registry().invoke(mem.readU64(bs + BootServicesLayout.GET_MEMORY_MAP),
                    CallArgs.of(scratch, 0, scratch + 8, scratch + 16, scratch + 24));
            b.firmware().registry().invoke(mem.readU64(bs + BootServicesLayout.offset("AllocatePool")),
                    CallArgs.of(2, 64, scratch + 32));
        } catch (RuntimeException ignored) {
            // a warm-up only: the real run reports its own errors
        }
        RunReport.toJson(Map.of("warm", 1));
    }
}
