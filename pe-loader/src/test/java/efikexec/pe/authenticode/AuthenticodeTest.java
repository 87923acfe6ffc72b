package efikexec.pe.authenticode;

import static efikexec.pe.SyntheticPe.putU32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.model.FormatException;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.PeSection;
import efikexec.pe.SyntheticPe;
import efikexec.pe.authenticode.TestSigning.Signer;
import efikexec.pe.authenticode.TrustDb.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Digest, signatures and db checks on synthetic images signed here with test keys. */
class AuthenticodeTest {
    static Signer signer;
    static Signer other;
    static Signer ca;
    static Signer leaf;
    static byte[] unsigned;
    static byte[] signed;

    @BeforeAll
    static void keys() {
        signer = TestSigning.selfSigned("O=efikexec,CN=efikexec test signer");
        other = TestSigning.selfSigned("CN=someone else");
        ca = TestSigning.selfSigned("CN=efikexec test CA");
        leaf = TestSigning.issuedBy("CN=efikexec test leaf", ca);
        unsigned = new SyntheticPe().build();
        signed = TestSigning.sign(unsigned, signer);
    }

    private static Authenticode read(byte[] image) {
        return Authenticode.read(PeParser.parse(image), image);
    }

    private static byte[] sha256(byte[] image) {
        return AuthenticodeDigest.sha256(PeParser.parse(image), image);
    }

    private static byte[] with(byte[] image, Consumer<byte[]> change) {
        byte[] f = image.clone();
        change.accept(f);
        return f;
    }

    private static Reason verdict(byte[] image, Signer... db) {
        return new TrustDb(Arrays.stream(db).map(Signer::cert).toList()).check(read(image)).reason();
    }

    // ------------------------------------------------------------------ the digest

    @Test
    void digestOfAnUnsignedImageIsThatOfAllItsBytesButTheTwoFields() {
        assertThat(sha256(unsigned)).isEqualTo(TestSigning.linearDigest(unsigned, "SHA-256"));
        PeImage pe = PeParser.parse(unsigned);
        // CheckSum and the Certificate Table entry change when signing: the digest ignores them
        assertThat(sha256(with(unsigned, f -> putU32(f, pe.checksumFieldOffset(), 0xdeadbeefL)))).isEqualTo(sha256(unsigned));
        assertThat(sha256(with(unsigned, f -> putU32(f, pe.dataDirectoryOffset(DataDirectory.SECURITY), 0x12345678L))))
                .isEqualTo(sha256(unsigned));
        // every other header byte counts: the field after CheckSum (Subsystem) and the entry after the table's
        assertThat(sha256(with(unsigned, f -> f[(int) pe.checksumFieldOffset() + 4] ^= 1))).isNotEqualTo(sha256(unsigned));
        assertThat(sha256(with(unsigned, f -> f[(int) pe.dataDirectoryOffset(DataDirectory.SECURITY) + 8] ^= 1)))
                .isNotEqualTo(sha256(unsigned));
    }

    @Test
    void signingDoesNotChangeTheDigest() {
        assertThat(sha256(signed)).isEqualTo(sha256(unsigned));
        assertThat(read(signed).sha256Hex()).isEqualTo(read(unsigned).sha256Hex()).hasSize(64);
    }

    @Test
    void trailingDataCountsAndAnUnalignedImageIsHashedPaddedTo8Bytes() {
        byte[] trailing = Arrays.copyOf(unsigned, unsigned.length + 5);
        trailing[unsigned.length] = 'x';
        assertThat(sha256(trailing)).isEqualTo(TestSigning.linearDigest(trailing, "SHA-256")).isNotEqualTo(sha256(unsigned));
        byte[] s = TestSigning.sign(trailing, signer);
        assertThat(s.length % 8).isZero();
        assertThat(sha256(s)).isEqualTo(sha256(trailing));
        assertThat(read(s).signatures().get(0).digestMatches()).isTrue();
        // the trailing byte is signed data: changing it is a mismatch
        assertThat(read(with(s, f -> f[unsigned.length] = 'y')).signatures().get(0).digestMatches()).isFalse();
    }

    @Test
    void sectionsAreHashedInFileOrderWhateverTheirHeaderOrder() {
        // .text's bytes after .data's in the file, the section table still in address order
        SyntheticPe p = new SyntheticPe();
        byte[] swapped = with(p.build(), f -> {
            putU32(f, p.sectionHeader(0) + 20, SyntheticPe.DATA_RAW);
            putU32(f, p.sectionHeader(1) + 20, SyntheticPe.TEXT_RAW);
        });
        PeImage pe = PeParser.parse(swapped);
        assertThat(pe.sections().get(0).pointerToRawData()).isGreaterThan(pe.sections().get(1).pointerToRawData());
        assertThat(sha256(swapped)).isEqualTo(TestSigning.linearDigest(swapped, "SHA-256"));
        assertThat(read(TestSigning.sign(swapped, signer)).signatures().get(0).digestMatches()).isTrue();
    }

    @Test
    void headersTooSmallForTheSkippedFieldsAreRefused() {
        SyntheticPe p = new SyntheticPe();
        byte[] f = with(p.build(), b -> putU32(b, p.optOffset() + 60, 0x100));
        assertThatThrownBy(() -> sha256(f)).isInstanceOfSatisfying(FormatException.class, e -> {
            assertThat(e.field()).isEqualTo("SizeOfHeaders");
            assertThat(e.offset()).isEqualTo(p.optOffset() + 60);
            assertThat(e.getMessage()).contains("Certificate Table entry");
        });
    }

    // ------------------------------------------------------------------ signatures

    @Test
    void aSignedImageReportsItsSignerAndAMatchingDigest() {
        Authenticode a = read(signed);
        assertThat(a.isSigned()).isTrue();
        assertThat(a.otherEntries()).isEmpty();
        assertThat(a.signatures()).hasSize(1);
        AuthenticodeSignature s = a.signatures().get(0);
        assertThat(s.entry().offset()).isEqualTo(unsigned.length);
        assertThat(s.entry().revision()).isEqualTo(0x0200);
        assertThat(s.entry().type()).isEqualTo(0x0002);
        assertThat(s.digestAlgorithm()).isEqualTo(DigestAlgorithm.SHA256);
        assertThat(s.digestAlgorithmName()).isEqualTo("SHA-256");
        assertThat(s.embeddedDigest()).isEqualTo(TestSigning.linearDigest(unsigned, "SHA-256"));
        assertThat(s.digestMatches()).isTrue();
        assertThat(s.signatureVerifies()).as(s.signatureProblem()).isTrue();
        assertThat(s.signerSubject()).isEqualTo("CN=efikexec test signer,O=efikexec");
        assertThat(s.signerIssuer()).isEqualTo("CN=efikexec test signer,O=efikexec");
        assertThat(s.signerSerial()).isEqualTo(signer.cert().getSerialNumber());
        assertThat(s.signerSerialHex()).isEqualTo(signer.cert().getSerialNumber().toString(16));
        assertThat(s.signer()).isEqualTo(signer.cert());
        assertThat(s.certificates()).containsExactly(signer.cert());
    }

    @ParameterizedTest
    @EnumSource(DigestAlgorithm.class)
    void theDigestIsComputedWithTheAlgorithmTheSignatureNames(DigestAlgorithm alg) {
        AuthenticodeSignature s = read(TestSigning.sign(unsigned, signer, alg)).signatures().get(0);
        assertThat(s.digestAlgorithm()).isEqualTo(alg);
        assertThat(s.computedDigest()).isEqualTo(TestSigning.linearDigest(unsigned, alg.displayName()))
                .isEqualTo(AuthenticodeDigest.compute(PeParser.parse(unsigned), unsigned, alg));
        assertThat(s.digestMatches()).isTrue();
        assertThat(s.signatureVerifies()).as(s.signatureProblem()).isTrue();
    }

    @Test
    void aFlippedByteInAnySectionIsAMismatch() {
        for (PeSection sec : PeParser.parse(signed).sections()) {
            byte[] f = with(signed, b -> b[(int) (sec.pointerToRawData() + sec.sizeOfRawData() / 2)] ^= 0x40);
            AuthenticodeSignature s = read(f).signatures().get(0);
            assertThat(s.digestMatches()).as(sec.name()).isFalse();
            // the signature itself (over the embedded digest) is intact
            assertThat(s.signatureVerifies()).as(sec.name()).isTrue();
            TrustDb.Verdict v = new TrustDb(List.of(signer.cert())).check(read(f));
            assertThat(v.reason()).as(sec.name()).isEqualTo(Reason.DIGEST_MISMATCH);
            assertThat(v.allowed()).isFalse();
            assertThat(v.message()).contains("digest mismatch");
        }
    }

    @Test
    void aSignatureWhoseCertificateIsNotTheSigningKeysDoesNotVerify() {
        // signed with signer's key, but other's certificate in the blob: claims to be other
        byte[] f = TestSigning.sign(unsigned, signer.key(), other.cert(), List.of(), DigestAlgorithm.SHA256,
                TestSigning.linearDigest(unsigned, "SHA-256"));
        AuthenticodeSignature s = read(f).signatures().get(0);
        assertThat(s.digestMatches()).isTrue();
        assertThat(s.signatureVerifies()).isFalse();
        assertThat(s.signatureProblem()).isNotBlank();
        assertThat(s.signerSubject()).isEqualTo("CN=someone else");
        TrustDb.Verdict v = new TrustDb(List.of(other.cert())).check(read(f));
        assertThat(v.reason()).isEqualTo(Reason.SIGNATURE_INVALID);
        assertThat(v.message()).contains("CN=someone else", "does not verify");
    }

    @Test
    void aWrongEmbeddedDigestIsAMismatchEvenThoughTheSignatureVerifies() {
        byte[] wrong = TestSigning.linearDigest(unsigned, "SHA-256");
        wrong[0] ^= 1;
        byte[] f = TestSigning.sign(unsigned, signer.key(), signer.cert(), List.of(), DigestAlgorithm.SHA256, wrong);
        AuthenticodeSignature s = read(f).signatures().get(0);
        assertThat(s.signatureVerifies()).isTrue();
        assertThat(s.digestMatches()).isFalse();
        assertThat(verdict(f, signer)).isEqualTo(Reason.DIGEST_MISMATCH);
    }

    // ------------------------------------------------------------------ the db

    @Test
    void theDbAllowsItsOwnSignersAndRefusesOthers() {
        assertThat(verdict(signed, signer)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(signed, other, signer)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(signed, other)).isEqualTo(Reason.UNTRUSTED_SIGNER);
        assertThat(verdict(signed)).isEqualTo(Reason.UNTRUSTED_SIGNER);
        TrustDb.Verdict v = new TrustDb(List.of(other.cert())).check(read(signed));
        assertThat(v.allowed()).isFalse();
        assertThat(v.message()).contains("signed by CN=efikexec test signer,O=efikexec");
        assertThat(v.signature().signer()).isEqualTo(signer.cert());
        TrustDb.Verdict ok = new TrustDb(List.of(signer.cert())).check(read(signed));
        assertThat(ok.allowed()).isTrue();
        assertThat(ok.signature().signerSubject()).isEqualTo("CN=efikexec test signer,O=efikexec");
    }

    @Test
    void anUnsignedImageIsRefused() {
        TrustDb.Verdict v = new TrustDb(List.of(signer.cert())).check(read(unsigned));
        assertThat(v.reason()).isEqualTo(Reason.NOT_SIGNED);
        assertThat(v.message()).isEqualTo("not signed");
        assertThat(read(unsigned).isSigned()).isFalse();
    }

    @Test
    void aSignerIssuedByADbCertificateIsTrustedWithOrWithoutTheChainInTheBlob() {
        byte[] digest = TestSigning.linearDigest(unsigned, "SHA-256");
        byte[] withChain = TestSigning.sign(unsigned, leaf.key(), leaf.cert(), List.of(ca.cert()), DigestAlgorithm.SHA256, digest);
        byte[] leafOnly = TestSigning.sign(unsigned, leaf.key(), leaf.cert(), List.of(), DigestAlgorithm.SHA256, digest);
        assertThat(read(withChain).signatures().get(0).certificates()).hasSize(2);
        assertThat(verdict(withChain, ca)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(leafOnly, ca)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(withChain, other)).isEqualTo(Reason.UNTRUSTED_SIGNER);
        assertThat(verdict(withChain, leaf)).isEqualTo(Reason.TRUSTED);
    }

    @Test
    void aCaOfTheSameNameButAnotherKeyIsNoChain() {
        // an impostor CA with the db CA's name, issuing the signer: names chain, signatures do not
        Signer impostor = TestSigning.selfSigned("CN=efikexec test CA");
        Signer victim = TestSigning.issuedBy("CN=efikexec test leaf", impostor);
        byte[] f = TestSigning.sign(unsigned, victim.key(), victim.cert(), List.of(impostor.cert()), DigestAlgorithm.SHA256,
                TestSigning.linearDigest(unsigned, "SHA-256"));
        assertThat(read(f).signatures().get(0).signatureVerifies()).isTrue();
        assertThat(verdict(f, ca)).isEqualTo(Reason.UNTRUSTED_SIGNER);
        assertThat(verdict(f, impostor)).isEqualTo(Reason.TRUSTED);
    }

    @Test
    void anyOfSeveralSignaturesMayAllowTheImage() {
        byte[] first = TestSigning.sign(unsigned, other);
        byte[] second = TestSigning.signedData(signer.key(), signer.cert(), List.of(), DigestAlgorithm.SHA256,
                TestSigning.linearDigest(unsigned, "SHA-256"));
        byte[] both = appendEntry(first, second);
        Authenticode a = read(both);
        assertThat(a.signatures()).extracting(AuthenticodeSignature::signerSubject)
                .containsExactly("CN=someone else", "CN=efikexec test signer,O=efikexec");
        assertThat(a.signatures()).allMatch(AuthenticodeSignature::digestMatches);
        assertThat(verdict(both, signer)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(both, other)).isEqualTo(Reason.TRUSTED);
        assertThat(verdict(both, ca)).isEqualTo(Reason.UNTRUSTED_SIGNER);
    }

    @Test
    void entriesOfOtherKindsAreNotSignatures() {
        byte[] f = with(signed, b -> putU32(b, unsigned.length + 4, 0x0002_0100L)); // revision 1.0
        Authenticode a = read(f);
        assertThat(a.signatures()).isEmpty();
        assertThat(a.otherEntries()).hasSize(1);
        assertThat(a.otherEntries().get(0).revision()).isEqualTo(0x0100);
        assertThat(verdict(f, signer)).isEqualTo(Reason.NOT_SIGNED);
    }

    /** A second WIN_CERTIFICATE after the table's last one. */
    private static byte[] appendEntry(byte[] image, byte[] pkcs7) {
        PeImage pe = PeParser.parse(image);
        DataDirectory dir = pe.securityDirectory();
        int at = (int) (dir.rva() + dir.size());
        int length = 8 + pkcs7.length;
        byte[] out = Arrays.copyOf(image, at + ((length + 7) & ~7));
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(at, length).putShort(at + 4, (short) 0x0200).putShort(at + 6, (short) 2);
        System.arraycopy(pkcs7, 0, out, at + 8, pkcs7.length);
        b.putInt((int) pe.dataDirectoryOffset(DataDirectory.SECURITY) + 4, out.length - (int) dir.rva());
        return out;
    }

    // ------------------------------------------------------------------ malformed tables

    private static FormatException refused(byte[] image) {
        try {
            read(image);
        } catch (FormatException e) {
            return e;
        }
        throw new AssertionError("no FormatException");
    }

    @Test
    void malformedCertificateTablesAreFormatExceptions() {
        int table = unsigned.length;
        long dir = PeParser.parse(signed).dataDirectoryOffset(DataDirectory.SECURITY);
        int tableSize = signed.length - table;

        FormatException tooLong = refused(with(signed, f -> putU32(f, table, tableSize + 1)));
        assertThat(tooLong.field()).isEqualTo("dwLength");
        assertThat(tooLong.offset()).isEqualTo(table);

        FormatException tooShort = refused(with(signed, f -> putU32(f, table, 7)));
        assertThat(tooShort.field()).isEqualTo("dwLength");

        FormatException garbage = refused(with(signed, f -> Arrays.fill(f, table + 8, table + 40, (byte) 0x5a)));
        assertThat(garbage.field()).isEqualTo("bCertificate");
        assertThat(garbage.offset()).isEqualTo(table + 8);

        FormatException unaligned = refused(with(signed, f -> {
            putU32(f, dir, table + 4);
            putU32(f, dir + 4, tableSize - 4);
        }));
        assertThat(unaligned.field()).isEqualTo("CertificateTable");
        assertThat(unaligned.offset()).isEqualTo(dir);
        assertThat(unaligned.getMessage()).contains("8-byte aligned");

        // 4 bytes after the last entry: less than a WIN_CERTIFICATE header
        byte[] longer = Arrays.copyOf(signed, signed.length + 4);
        putU32(longer, dir + 4, tableSize + 4);
        FormatException leftover = refused(longer);
        assertThat(leftover.field()).isEqualTo("WIN_CERTIFICATE");
    }

    @Test
    void aSignedDataWithOtherContentThanSpcIndirectDataIsRefused() throws java.io.IOException {
        // 1.3.6.1.4.1.311.2.1.4 -> ...2.1.5: its first occurrence is the eContentType
        byte[] spc = TestSigning.SPC_INDIRECT_DATA.getEncoded();
        byte[] f = signed.clone();
        int at = indexOf(f, spc);
        assertThat(at).isGreaterThan(unsigned.length);
        f[at + spc.length - 1] = 5;
        FormatException e = refused(f);
        assertThat(e.field()).isEqualTo("bCertificate");
        assertThat(e.offset()).isEqualTo(unsigned.length + 8);
        assertThat(e.getMessage()).contains("1.3.6.1.4.1.311.2.1.5", "SpcIndirectDataContent");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void fuzzedSignaturesGiveAReportOrAFormatExceptionOnly() {
        Random r = new Random(0xa17c0de);
        int table = unsigned.length;
        int reports = 0;
        int refusals = 0;
        for (int round = 0; round < 1500; round++) {
            byte[] f = signed.clone();
            if (r.nextInt(5) == 0) {
                // cut the table short, the directory still claiming the whole of it
                f = Arrays.copyOf(f, table + r.nextInt(signed.length - table));
                long dir = PeParser.parse(signed).dataDirectoryOffset(DataDirectory.SECURITY);
                putU32(f, dir + 4, f.length - table);
            } else {
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    int at = table + r.nextInt(signed.length - table);
                    f[at] = r.nextBoolean() ? (byte) (f[at] ^ 1 << r.nextInt(8)) : (byte) r.nextInt(256);
                }
            }
            try {
                Authenticode a = read(f);
                reports++;
                new TrustDb(List.of(signer.cert())).check(a);
            } catch (FormatException e) {
                refusals++;
                assertThat(e.field()).isNotBlank();
                assertThat(e.offset()).isBetween((long) 0, (long) f.length);
            }
        }
        assertThat(reports).isPositive();
        assertThat(refusals).isPositive();
    }

    // ------------------------------------------------------------------ db certificate files

    @Test
    void dbCertificatesAreReadFromDerAndPem() throws Exception {
        assertThat(TrustDb.parseCertificates(signer.cert().getEncoded())).containsExactly(signer.cert());
        assertThat(TrustDb.parseCertificates(TestSigning.pem(signer.cert()).getBytes(StandardCharsets.US_ASCII)))
                .containsExactly(signer.cert());
        String two = TestSigning.pem(signer.cert()) + TestSigning.pem(ca.cert());
        assertThat(TrustDb.parseCertificates(two.getBytes(StandardCharsets.US_ASCII))).containsExactly(signer.cert(), ca.cert());
        for (byte[] bad : List.of(new byte[0], "hello".getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOf(signer.cert().getEncoded(), 100),
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII))) {
            assertThatThrownBy(() -> TrustDb.parseCertificates(bad)).isInstanceOfSatisfying(FormatException.class,
                    e -> assertThat(e.field()).isEqualTo("certificate"));
        }
    }
}
