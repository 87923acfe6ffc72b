package efikexec.pe.authenticode;

import efikexec.model.FormatException;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The X.509 certificates of a UEFI Secure Boot signature database ("db"): an image is allowed
 * when one of its signatures carries the image's digest, verifies, and its signer is one of these
 * certificates or chains to one through certificates the signature carries.
 *
 * <p>No validity period is checked anywhere: firmware has no trusted clock, so edk2 verifies
 * db chains without time checks, and certificates of long-shipped signers have expired. The
 * forbidden database (dbx) and hash entries of db are not modelled.
 */
public final class TrustDb {
    /** Chains longer than this are not followed (real ones have 2 or 3 links). */
    private static final int MAX_CHAIN = 8;

    private final List<X509Certificate> certificates;

    public TrustDb(List<X509Certificate> certificates) {
        this.certificates = List.copyOf(certificates);
    }

    public List<X509Certificate> certificates() {
        return certificates;
    }

    /** The certificates of one file: DER, or PEM with one or more certificates. */
    public static List<X509Certificate> parseCertificates(byte[] file) {
        if (file.length == 0) throw new FormatException("certificate", 0, "empty file, expected an X.509 certificate (DER or PEM)");
        Collection<? extends Certificate> read;
        try {
            read = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(file));
        } catch (CertificateException | RuntimeException e) {
            throw new FormatException("certificate", 0, "not an X.509 certificate (DER or PEM): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate c : read) certs.add((X509Certificate) c);
        if (certs.isEmpty()) throw new FormatException("certificate", 0, "no X.509 certificate found (DER or PEM)");
        return certs;
    }

    /** Why an image is allowed or refused. */
    public enum Reason {
        TRUSTED, NOT_SIGNED, DIGEST_MISMATCH, SIGNATURE_INVALID, UNTRUSTED_SIGNER
    }

    /**
     * The outcome: {@code signature} is the one that allowed the image or, when refused, the one
     * that came nearest (null when unsigned or when every digest differs).
     */
    public record Verdict(Reason reason, AuthenticodeSignature signature, String message) {
        public boolean allowed() {
            return reason == Reason.TRUSTED;
        }
    }

    /** Secure Boot's decision on an image with these signatures. */
    public Verdict check(Authenticode image) {
        if (!image.isSigned()) return new Verdict(Reason.NOT_SIGNED, null, "not signed");
        AuthenticodeSignature verified = null;
        AuthenticodeSignature invalid = null;
        for (AuthenticodeSignature s : image.signatures()) {
            if (!s.digestMatches()) continue;
            if (!s.signatureVerifies()) {
                if (invalid == null) invalid = s;
                continue;
            }
            if (trusts(s)) return new Verdict(Reason.TRUSTED, s, "signed by " + s.signerSubject());
            if (verified == null) verified = s;
        }
        if (verified != null) {
            return new Verdict(Reason.UNTRUSTED_SIGNER, verified,
                    "signed by " + verified.signerSubject() + " which no db certificate trusts");
        }
        if (invalid != null) {
            return new Verdict(Reason.SIGNATURE_INVALID, invalid, "signature by "
                    + (invalid.signerSubject() != null ? invalid.signerSubject() : "issuer " + invalid.signerIssuer())
                    + " does not verify: " + invalid.signatureProblem());
        }
        return new Verdict(Reason.DIGEST_MISMATCH, null, "Authenticode digest mismatch: the image is not what was signed");
    }

    /** Whether the signer is a db certificate or chains to one through the signature's certificates. */
    boolean trusts(AuthenticodeSignature s) {
        X509Certificate current = s.signer();
        List<X509Certificate> path = new ArrayList<>();
        while (current != null && path.size() < MAX_CHAIN) {
            path.add(current);
            for (X509Certificate db : certificates) {
                if (Arrays.equals(encoded(db), encoded(current)) || issued(db, current)) return true;
            }
            X509Certificate next = null;
            for (X509Certificate c : s.certificates()) {
                if (!path.contains(c) && issued(c, current)) {
                    next = c;
                    break;
                }
            }
            current = next;
        }
        return false;
    }

    /** Whether {@code issuer} signed {@code cert}: names agree and the signature verifies. */
    private static boolean issued(X509Certificate issuer, X509Certificate cert) {
        if (!issuer.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) return false;
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateException e) {
            throw new IllegalStateException("a parsed certificate has no encoding", e);
        }
    }
}
