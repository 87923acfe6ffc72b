package efikexec.cli.option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * --verify-signature --db CERT…: check the image as UEFI Secure Boot would before running it.
 * A group so that picocli itself refuses --db without --verify-signature, and the reverse (a
 * check against an empty db could only ever refuse).
 */
public final class SignatureOptions {

    static final class Verify {
        @Option(names = "--verify-signature", required = true,
                description = "Refuse the image (exit 2) unless one of its Authenticode signatures matches its digest "
                        + "and chains to a --db certificate, as UEFI Secure Boot does (no expiry check: firmware has no trusted clock).")
        boolean verify;

        @Option(names = "--db", paramLabel = "CERT", required = true,
                description = "A trusted X.509 certificate (DER or PEM; with --verify-signature; repeatable), "
                        + "as in Secure Boot's db.")
        List<Path> db = new ArrayList<>();
    }

    @ArgGroup(exclusive = false, multiplicity = "0..1")
    Verify verify;

    /** Whether the image must pass the check. */
    public boolean verifying() {
        return verify != null && verify.verify;
    }

    /** The --db certificate files, in the order given. */
    public List<Path> db() {
        return verify == null ? List.of() : List.copyOf(verify.db);
    }
}
