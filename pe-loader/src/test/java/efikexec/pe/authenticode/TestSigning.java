package efikexec.pe.authenticode;

import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.write.PeWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Test keys, certificates and Authenticode signatures made here with Bouncy Castle, the way
 * sbsign and osslsigncode make them: the image padded to 8 bytes, an SpcIndirectDataContent
 * holding the digest as the SignedData's content (not wrapped in an OCTET STRING, as CMS would),
 * SignedData version 1, one WIN_CERTIFICATE appended and the Certificate Table entry set.
 *
 * <p>The digest embedded is computed here the simplest way, as osslsigncode does it: every byte
 * of the file in order except CheckSum and the Certificate Table entry. For images whose
 * sections follow each other in the file, that equals the specification's section-wise
 * digest, so the code under test is compared with a second computation, not with itself.
 * Public for the CLI's tests in emulation-tests (through pe-loader's test jar).
 */
public final class TestSigning {
    static final ASN1ObjectIdentifier SPC_INDIRECT_DATA = new ASN1ObjectIdentifier("1.3.6.1.4.1.311.2.1.4");
    static final ASN1ObjectIdentifier SPC_PE_IMAGE_DATA = new ASN1ObjectIdentifier("1.3.6.1.4.1.311.2.1.15");

    private TestSigning() {}

    /** A signing key and its certificate. */
    public record Signer(KeyPair key, X509Certificate cert) {}

    public static KeyPair rsaKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA certificate (as a db certificate usually is). */
    public static Signer selfSigned(String cn) {
        KeyPair k = rsaKey();
        return new Signer(k, certificate(cn, k, cn, k, true));
    }

    /** A leaf certificate issued by {@code issuer}. */
    static Signer issuedBy(String cn, Signer issuer) {
        KeyPair k = rsaKey();
        return new Signer(k, certificate(cn, k, issuer.cert().getSubjectX500Principal().getName(), issuer.key(), false));
    }

    private static X509Certificate certificate(String cn, KeyPair subject, String issuerName, KeyPair issuer, boolean ca) {
        try {
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuerName),
                    BigInteger.valueOf(now.toEpochMilli()).shiftLeft(8).add(BigInteger.valueOf(cn.length())),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(365))),
                    new X500Name(cn.contains("=") ? cn : "CN=" + cn), subject.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image zero-padded to a multiple of 8 bytes, as signing tools pad it. */
    static byte[] padded(byte[] image) {
        return Arrays.copyOf(image, (image.length + 7) & ~7);
    }

    /**
     * The osslsigncode-style digest of an unsigned image: all bytes but CheckSum and the
     * Certificate Table entry, after padding to 8 bytes.
     */
    static byte[] linearDigest(byte[] image, String algorithm) {
        PeImage pe = PeParser.parse(image);
        byte[] f = padded(image);
        int checksum = (int) pe.checksumFieldOffset();
        int certEntry = (int) pe.dataDirectoryOffset(DataDirectory.SECURITY);
        int end = pe.securityDirectory().isEmpty() ? f.length : (int) pe.securityDirectory().rva();
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(f, 0, checksum);
            md.update(f, checksum + 4, certEntry - checksum - 4);
            md.update(f, certEntry + 8, end - certEntry - 8);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sign(byte[] unsigned, Signer signer, DigestAlgorithm algorithm) {
        return sign(unsigned, signer.key(), signer.cert(), List.of(), algorithm, linearDigest(unsigned, algorithm.displayName()));
    }

    public static byte[] sign(byte[] unsigned, Signer signer) {
        return sign(unsigned, signer, DigestAlgorithm.SHA256);
    }

    /**
     * Signs with {@code key}, putting {@code cert} (which need not match the key) and
     * {@code chain} in the SignedData, and {@code digest} in the SpcIndirectDataContent.
     */
    static byte[] sign(byte[] unsigned, KeyPair key, X509Certificate cert, List<X509Certificate> chain,
            DigestAlgorithm algorithm, byte[] digest) {
        byte[] pkcs7 = signedData(key, cert, chain, algorithm, digest);
        byte[] f = padded(unsigned);
        int entryLength = 8 + pkcs7.length;
        int tableLength = (entryLength + 7) & ~7;
        byte[] out = Arrays.copyOf(f, f.length + tableLength);
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(f.length, entryLength).putShort(f.length + 4, (short) 0x0200).putShort(f.length + 6, (short) 0x0002);
        System.arraycopy(pkcs7, 0, out, f.length + 8, pkcs7.length);
        PeImage pe = PeParser.parse(unsigned);
        int dir = (int) pe.dataDirectoryOffset(DataDirectory.SECURITY);
        b.putInt(dir, f.length).putInt(dir + 4, tableLength);
        int checksum = (int) pe.checksumFieldOffset();
        b.putInt(checksum, (int) PeWriter.checksum(out, checksum));
        return out;
    }

    /** The DER PKCS#7 ContentInfo of an Authenticode SignedData over {@code digest}. */
    static byte[] signedData(KeyPair key, X509Certificate cert, List<X509Certificate> chain, DigestAlgorithm algorithm,
            byte[] digest) {
        try {
            // SpcPeImageData { flags BIT STRING, file [0] SpcLink: [2] SpcString: [0] BMPString "<<<Obsolete>>>" }
            ASN1Encodable file = new DERTaggedObject(true, 0, new DERTaggedObject(true, 2,
                    new DERTaggedObject(false, 0, new DERBMPString("<<<Obsolete>>>"))));
            DERSequence peImageData = new DERSequence(new ASN1Encodable[] {new DERBitString(new byte[0]), file});
            DERSequence data = new DERSequence(new ASN1Encodable[] {SPC_PE_IMAGE_DATA, peImageData});
            DERSequence digestInfo = new DERSequence(new ASN1Encodable[] {
                new AlgorithmIdentifier(new ASN1ObjectIdentifier(algorithm.oid()), DERNull.INSTANCE),
                new DEROctetString(digest)});
            DERSequence indirect = new DERSequence(new ASN1Encodable[] {data, digestInfo});
            // Authenticode signs the SpcIndirectDataContent's value without its tag and length
            byte[] encoded = indirect.getEncoded(ASN1Encoding.DER);
            byte[] signedBytes = concat(data.getEncoded(ASN1Encoding.DER), digestInfo.getEncoded(ASN1Encoding.DER));

            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            String sigAlg = algorithm.displayName().replace("-", "") + "withRSA";
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder(sigAlg).build(key.getPrivate()), cert));
            List<X509Certificate> certs = new ArrayList<>();
            certs.add(cert);
            certs.addAll(chain);
            gen.addCertificates(new org.bouncycastle.cert.jcajce.JcaCertStore(certs));
            CMSSignedData detached = gen.generate(new CMSTypedData() {
                @Override
                public ASN1ObjectIdentifier getContentType() {
                    return SPC_INDIRECT_DATA;
                }

                @Override
                public void write(OutputStream out) throws IOException {
                    out.write(signedBytes);
                }

                @Override
                public Object getContent() {
                    return signedBytes;
                }
            }, false);
            // rebuilt by hand: CMS would give version 3 and wrap the content in an OCTET STRING
            SignedData sd = SignedData.getInstance(detached.toASN1Structure().getContent());
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new ASN1Integer(1));
            v.add(sd.getDigestAlgorithms());
            v.add(new ContentInfo(SPC_INDIRECT_DATA, DERSequence.getInstance(encoded)));
            v.add(new DERTaggedObject(false, 0, sd.getCertificates()));
            v.add(sd.getSignerInfos());
            return new ContentInfo(CMSObjectIdentifiers.signedData, new DERSequence(v)).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (CMSException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    public static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
