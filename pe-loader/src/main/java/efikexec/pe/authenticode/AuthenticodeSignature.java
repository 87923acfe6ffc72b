package efikexec.pe.authenticode;

import efikexec.model.FormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.Store;

/**
 * One Authenticode signature: a PKCS#7 SignedData whose content is an SpcIndirectDataContent
 * carrying the image digest, with what checking it against the image found.
 *
 * @param entry              the WIN_CERTIFICATE it came from
 * @param digestAlgorithm    the algorithm the SpcIndirectDataContent names; null if Authenticode
 *                           does not use it (then {@link #digestAlgorithmOid} says which it was)
 * @param embeddedDigest     the digest the signature carries
 * @param computedDigest     the image's digest with that algorithm; null for an unknown algorithm
 * @param signer             the signer's certificate from the blob; null when the blob lacks it
 * @param certificates       every certificate the blob carries (signer and intermediates)
 * @param signatureProblem   why the CMS signature does not verify against the signer's
 *                           certificate, or null when it does
 */
public record AuthenticodeSignature(WinCertificate entry, String digestAlgorithmOid, DigestAlgorithm digestAlgorithm,
        byte[] embeddedDigest, byte[] computedDigest, String signerSubject, String signerIssuer, BigInteger signerSerial,
        X509Certificate signer, List<X509Certificate> certificates, String signatureProblem) {

    /** SPC_INDIRECT_DATA_OBJID: the content type of every Authenticode SignedData. */
    public static final String SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4";

    public AuthenticodeSignature {
        certificates = List.copyOf(certificates);
    }

    /** Whether the digest the signature carries is the image's. */
    public boolean digestMatches() {
        return computedDigest != null && MessageDigest.isEqual(embeddedDigest, computedDigest);
    }

    /** Whether the CMS signature verifies with the signer certificate's key. */
    public boolean signatureVerifies() {
        return signatureProblem == null;
    }

    /** "SHA-256", or the object identifier of an algorithm Authenticode does not use. */
    public String digestAlgorithmName() {
        return digestAlgorithm != null ? digestAlgorithm.displayName() : digestAlgorithmOid;
    }

    /** The serial number as lower-case hex, as certificate tools print it. */
    public String signerSerialHex() {
        return signerSerial.toString(16);
    }

    public String embeddedDigestHex() {
        return HexFormat.of().formatHex(embeddedDigest);
    }

    /**
     * Reads the PKCS#7 SignedData of a WIN_CERT_TYPE_PKCS_SIGNED_DATA entry and checks it;
     * {@code digests} gives the image's digest for an algorithm.
     */
    static AuthenticodeSignature parse(WinCertificate entry, Function<DigestAlgorithm, byte[]> digests) {
        long at = entry.contentOffset();
        try {
            return read(entry, digests, at);
        } catch (FormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // Bouncy Castle parses lazily: a broken structure deep inside surfaces on first use
            throw new FormatException("bCertificate", at, "malformed PKCS#7 SignedData: " + message(e));
        }
    }

    private static AuthenticodeSignature read(WinCertificate entry, Function<DigestAlgorithm, byte[]> digests, long at) {
        ContentInfo info = contentInfo(entry.content(), at);
        if (!CMSObjectIdentifiers.signedData.equals(info.getContentType())) {
            throw new FormatException("bCertificate", at, "PKCS#7 content type " + info.getContentType()
                    + " is not SignedData (" + CMSObjectIdentifiers.signedData + ")");
        }
        SignedData signedData;
        CMSSignedData cms;
        try {
            signedData = SignedData.getInstance(info.getContent());
            cms = new CMSSignedData(info);
        } catch (CMSException | RuntimeException e) {
            throw new FormatException("bCertificate", at, "malformed PKCS#7 SignedData: " + message(e));
        }
        ASN1ObjectIdentifier contentType = signedData.getEncapContentInfo().getContentType();
        if (!SPC_INDIRECT_DATA.equals(contentType.getId())) {
            throw new FormatException("bCertificate", at, "SignedData content type " + contentType
                    + " is not Authenticode's SpcIndirectDataContent (" + SPC_INDIRECT_DATA + ")");
        }
        DigestInfo digestInfo = indirectDataDigest(signedData.getEncapContentInfo().getContent(), at);
        String oid = digestInfo.getAlgorithmId().getAlgorithm().getId();
        DigestAlgorithm algorithm = DigestAlgorithm.ofOid(oid);
        byte[] computed = algorithm == null ? null : digests.apply(algorithm);

        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        // Authenticode allows exactly one SignerInfo (further signatures nest in its attributes)
        if (signers.size() != 1) {
            throw new FormatException("bCertificate", at, "SignedData has " + signers.size()
                    + " SignerInfos; Authenticode has exactly one");
        }
        SignerInformation signerInfo = signers.iterator().next();
        List<X509Certificate> certs = new ArrayList<>();
        X509Certificate signer = null;
        @SuppressWarnings("unchecked")
        Store<X509CertificateHolder> store = cms.getCertificates();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (X509CertificateHolder h : store.getMatches(null)) {
            X509Certificate c;
            try {
                c = converter.getCertificate(h);
            } catch (CertificateException e) {
                throw new FormatException("bCertificate", at, "a certificate in the SignedData cannot be read: " + message(e));
            }
            certs.add(c);
            if (signer == null && signerInfo.getSID().match(h)) signer = c;
        }

        String subject;
        String issuer;
        BigInteger serial;
        String problem;
        if (signer != null) {
            subject = signer.getSubjectX500Principal().getName(X500Principal.RFC2253);
            issuer = signer.getIssuerX500Principal().getName(X500Principal.RFC2253);
            serial = signer.getSerialNumber();
            problem = verify(signerInfo, signer);
        } else {
            // only the SignerInfo's issuer and serial are known: nothing to verify the signature with
            subject = null;
            issuer = signerInfo.getSID().getIssuer() == null ? null
                    : new X500Principal(encoded(signerInfo.getSID().getIssuer().toASN1Primitive(), at)).getName(X500Principal.RFC2253);
            serial = signerInfo.getSID().getSerialNumber();
            problem = "the signer's certificate is not in the SignedData";
        }
        if (serial == null) serial = BigInteger.ZERO;
        return new AuthenticodeSignature(entry, oid, algorithm, digestInfo.getDigest(), computed, subject, issuer,
                serial, signer, certs, problem);
    }

    /**
     * Checks the signer's signature over the signed attributes, and that their messageDigest is
     * that of the SpcIndirectDataContent (Bouncy Castle hashes a non-OCTET-STRING content without
     * its outer tag and length, as Authenticode requires). The verifier is built from the public
     * key alone so that no certificate validity period is compared with a clock or a signing
     * time: Secure Boot firmware has no trusted clock and does not either.
     */
    private static String verify(SignerInformation signerInfo, X509Certificate signer) {
        try {
            boolean ok = signerInfo.verify(new JcaSimpleSignerInfoVerifierBuilder().build(signer.getPublicKey()));
            return ok ? null : "the signature does not match the signer's key";
        } catch (CMSException | OperatorCreationException | RuntimeException e) {
            return message(e);
        }
    }

    private static ContentInfo contentInfo(byte[] content, long at) {
        // bCertificate may be followed by zero padding inside dwLength: read the first object only
        try (ASN1InputStream in = new ASN1InputStream(content)) {
            ASN1Primitive p = in.readObject();
            if (p == null) throw new FormatException("bCertificate", at, "empty WIN_CERTIFICATE, no PKCS#7 SignedData");
            return ContentInfo.getInstance(p);
        } catch (IOException | RuntimeException e) {
            if (e instanceof FormatException f) throw f;
            throw new FormatException("bCertificate", at, "not a DER PKCS#7 ContentInfo: " + message(e));
        }
    }

    /** SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue, messageDigest DigestInfo }. */
    private static DigestInfo indirectDataDigest(ASN1Encodable content, long at) {
        if (content == null) {
            throw new FormatException("bCertificate", at, "the SignedData carries no SpcIndirectDataContent (detached signature)");
        }
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(content);
            if (seq.size() < 2) throw new IllegalArgumentException(seq.size() + " fields, expected 2");
            return DigestInfo.getInstance(seq.getObjectAt(1));
        } catch (RuntimeException e) {
            throw new FormatException("bCertificate", at, "malformed SpcIndirectDataContent: " + message(e));
        }
    }

    private static byte[] encoded(ASN1Primitive p, long at) {
        try {
            return p.getEncoded();
        } catch (IOException e) {
            throw new FormatException("bCertificate", at, "cannot encode the signer's issuer: " + message(e));
        }
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
