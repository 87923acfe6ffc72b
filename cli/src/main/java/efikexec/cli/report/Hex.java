package efikexec.cli.report;

/** Addresses in reports are "0x…" strings (JSON numbers lose 64-bit precision in many readers). */
public final class Hex {
    private Hex() {
    }

    public static String of(long v) {
        return "0x" + Long.toHexString(v);
    }
}
