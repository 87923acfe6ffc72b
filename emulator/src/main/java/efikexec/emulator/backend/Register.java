package efikexec.emulator.backend;

/** A CPU register of one architecture, named independently of any engine. */
public interface Register {
    /** The lower-case name reports use ("x0", "pc", "rsi"). */
    String label();
}
