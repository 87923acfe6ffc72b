package efikexec.bootservices.port;

/**
 * Time as the guest sees it: Stall advances it, nothing sleeps. Stubs stall seconds after an
 * error message (systemd: 2.5–10 s), which must cost nothing here.
 */
public final class VirtualClock {
    private long micros;

    public void advance(long micros) {
        // UINTN microseconds: a huge value saturates instead of turning the clock back.
        long next = this.micros + micros;
        this.micros = micros < 0 || next < this.micros ? Long.MAX_VALUE : next;
    }

    public long micros() {
        return micros;
    }
}
