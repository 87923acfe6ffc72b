package efikexec.pe.authenticode;

import efikexec.pe.PeImage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What Authenticode says about one image: its SHA-256 digest and each signature in its
 * certificate table, checked against the image. Entries of other kinds than PKCS#7 SignedData
 * revision 2.0 are kept in {@link #otherEntries()} and never count as signatures, as in edk2.
 */
public final class Authenticode {
    private final byte[] sha256;
    private final List<AuthenticodeSignature> signatures;
    private final List<WinCertificate> otherEntries;

    private Authenticode(byte[] sha256, List<AuthenticodeSignature> signatures, List<WinCertificate> otherEntries) {
        this.sha256 = sha256;
        this.signatures = List.copyOf(signatures);
        this.otherEntries = List.copyOf(otherEntries);
    }

    /** Reads and checks the signatures of {@code file}; {@code pe} must be its parse. */
    public static Authenticode read(PeImage pe, byte[] file) {
        Map<DigestAlgorithm, byte[]> digests = new EnumMap<>(DigestAlgorithm.class);
        digests.put(DigestAlgorithm.SHA256, AuthenticodeDigest.sha256(pe, file));
        List<AuthenticodeSignature> signatures = new ArrayList<>();
        List<WinCertificate> others = new ArrayList<>();
        for (WinCertificate c : WinCertificate.parseTable(pe, file)) {
            if (c.isPkcsSignedData()) {
                signatures.add(AuthenticodeSignature.parse(c,
                        a -> digests.computeIfAbsent(a, x -> AuthenticodeDigest.compute(pe, file, x))));
            } else {
                others.add(c);
            }
        }
        return new Authenticode(digests.get(DigestAlgorithm.SHA256), signatures, others);
    }

    /** The image's Authenticode SHA-256 digest. */
    public byte[] sha256() {
        return sha256.clone();
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** The PKCS#7 signatures, in certificate-table order. */
    public List<AuthenticodeSignature> signatures() {
        return signatures;
    }

    /** Certificate-table entries that are not PKCS#7 SignedData revision 2.0. */
    public List<WinCertificate> otherEntries() {
        return otherEntries;
    }

    public boolean isSigned() {
        return !signatures.isEmpty();
    }
}
