package efikexec.emulator.run;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.LoadedImage;
import java.util.Map;

/**
 * Everything a run produced: how it ended, the milestones with their instruction counts
 * (null unless counting) and times, the final registers, and the firmware (console, trace,
 * tables, memory map) for the report.
 */
public record RunResult(Outcome outcome, Milestone exitBootServices, Milestone kernelEntry, Fault fault,
        Map<String, Long> registers, Firmware firmware, LoadedImage image, Timing timing, String engineVersion) {

    /** A point the run reached: instructions so far (null when not counted) and milliseconds since start. */
    public record Milestone(Long instructions, double millis, long pc) {
    }

    /** Why a run ended badly: kind ("guest-exception", "unmapped-access", "timeout", "instruction-limit" …). */
    public record Fault(String kind, long pc, String message) {
    }

    /**
     * Where the time went: setup (firmware build, image load), inside the engine, and in the
     * Java services called from it.
     */
    public record Timing(double setupMillis, double engineMillis, double servicesMillis, double totalMillis,
            int phaseSwitches) {
        public double engineShare() {
            double run = engineMillis;
            return run <= 0 ? 0 : (run - servicesMillis) / run;
        }
    }
}
