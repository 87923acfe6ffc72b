package efikexec.cli.progress;

/**
 * With EFIKEXEC_TIMING=1, prints milliseconds since the process started at named points, to
 * see where a cold run spends its time (JVM start, option parsing, file reading, emulation).
 */
public final class StartupClock {
    private static final boolean ON = "1".equals(System.getenv("EFIKEXEC_TIMING"));
    private static final long START_MILLIS = ON
            ? ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L) : 0;

    private StartupClock() {
    }

    public static void mark(String what) {
        if (ON) System.err.printf("efikexec: timing: %5d ms %s%n", System.currentTimeMillis() - START_MILLIS, what);
    }
}
