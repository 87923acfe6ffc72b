package efikexec.cli;

import efikexec.cli.input.InputFiles;
import efikexec.cli.input.UserInputException;
import efikexec.cli.option.SignatureOptions;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.PeImage;
import efikexec.pe.authenticode.Authenticode;
import efikexec.pe.authenticode.AuthenticodeSignature;
import efikexec.pe.authenticode.TrustDb;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * `run --verify-signature --db CERT…`: refuses an image as Secure Boot's db check would, before
 * any of it runs. A refusal is bad input (exit 2), one line naming the image and why.
 */
final class SignatureCheck {
    private SignatureCheck() {
    }

    /** Throws {@link UserInputException} unless the options ask for no check or the image passes it. */
    static void require(Path image, byte[] file, SignatureOptions options) {
        if (options == null || !options.verifying()) return;
        List<X509Certificate> db = new ArrayList<>();
        for (Path cert : options.db()) {
            db.addAll(InputFiles.parse(cert, InputFiles.read(cert, "--db certificate"), TrustDb::parseCertificates));
        }
        PeImage pe = InputFiles.parse(image, file, ImageIdentifier::identify).pe();
        Authenticode signatures = InputFiles.parse(image, file, f -> Authenticode.read(pe, f));
        TrustDb.Verdict v = new TrustDb(db).check(signatures);
        if (v.allowed()) return;
        throw new UserInputException(image + ": refused by --verify-signature: " + why(v));
    }

    private static String why(TrustDb.Verdict v) {
        AuthenticodeSignature s = v.signature();
        return switch (v.reason()) {
            case NOT_SIGNED -> "not signed";
            case DIGEST_MISMATCH -> "Authenticode digest mismatch: the image is not the one that was signed";
            case SIGNATURE_INVALID -> "the signature of " + signer(s) + " does not verify: " + s.signatureProblem();
            case UNTRUSTED_SIGNER -> "signed by " + signer(s) + " which no --db certificate trusts";
            case TRUSTED -> throw new IllegalStateException("an allowed image has no refusal");
        };
    }

    private static String signer(AuthenticodeSignature s) {
        return s.signerSubject() != null ? s.signerSubject() : "an unknown signer (issuer " + s.signerIssuer() + ")";
    }
}
