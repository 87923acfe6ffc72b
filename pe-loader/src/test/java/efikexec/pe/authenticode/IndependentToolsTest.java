package efikexec.pe.authenticode;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.pe.Fixtures;
import efikexec.pe.PeParser;
import efikexec.pe.SyntheticPe;
import efikexec.pe.authenticode.TestSigning.Signer;
import efikexec.pe.authenticode.TrustDb.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The digest and the signatures compared with what osslsigncode and sbverify (sbsigntools)
 * compute: on Debian's signed bookworm kernels (scripts/setup fetches them), and on images
 * signed here, which those tools must accept as correctly signed.
 */
class IndependentToolsTest {
    @TempDir
    Path dir;

    static Signer signer;

    @BeforeAll
    static void key() {
        signer = TestSigning.selfSigned("O=efikexec,CN=efikexec tools test");
    }

    private static byte[] kernel(String arch) {
        return Fixtures.read(Fixtures.cacheDir().resolve("fixtures/bookworm-" + arch + "/vmlinuz"));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path writePem(String name, java.security.cert.X509Certificate c) throws IOException {
        return Files.writeString(dir.resolve(name), TestSigning.pem(c), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void debianKernelsDigestAsOsslsigncodeComputesIt(String arch) throws IOException {
        ExternalTool osslsigncode = ExternalTool.require("osslsigncode", "osslsigncode");
        byte[] k = kernel(arch);
        Authenticode a = Authenticode.read(PeParser.parse(k), k);
        // osslsigncode fails the verification (it lacks Debian's CA) but prints both digests first
        ExternalTool.Result r = osslsigncode.run("verify", "-in", write("vmlinuz", k));
        assertThat(ExternalTool.calculatedDigest(r)).as(r.output()).isEqualTo(a.sha256Hex());

        assertThat(a.signatures()).hasSize(1);
        AuthenticodeSignature s = a.signatures().get(0);
        assertThat(s.digestAlgorithm()).isEqualTo(DigestAlgorithm.SHA256);
        assertThat(s.embeddedDigestHex()).isEqualTo(a.sha256Hex());
        assertThat(s.digestMatches()).isTrue();
        assertThat(s.signatureVerifies()).as(s.signatureProblem()).isTrue();
        assertThat(s.signerSubject()).startsWith("CN=Debian Secure Boot Signer");
        assertThat(s.signerIssuer()).isEqualTo("CN=Debian Secure Boot CA");
        assertThat(r.output()).containsIgnoringCase("Serial : " + s.signerSerialHex());

        // the signer's own certificate as db allows it; a test certificate does not
        assertThat(new TrustDb(List.of(s.signer())).check(a).reason()).isEqualTo(Reason.TRUSTED);
        TrustDb.Verdict refused = new TrustDb(List.of(signer.cert())).check(a);
        assertThat(refused.reason()).isEqualTo(Reason.UNTRUSTED_SIGNER);
        assertThat(refused.message()).startsWith("signed by CN=Debian Secure Boot Signer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void sbverifyFindsTheSameDigestInDebianKernels(String arch) throws IOException {
        ExternalTool sbverify = ExternalTool.require("sbverify", "sbsigntool");
        byte[] k = kernel(arch);
        AuthenticodeSignature s = Authenticode.read(PeParser.parse(k), k).signatures().get(0);
        Path image = write("vmlinuz", k);
        // sbverify compares its own digest with the signed one: with the signer as the only
        // trusted certificate it passes exactly when that digest matches, as ours does
        ExternalTool.Result ok = sbverify.run("--cert", writePem("signer.pem", s.signer()), image);
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        ExternalTool.Result other = sbverify.run("--cert", writePem("other.pem", signer.cert()), image);
        assertThat(other.exitCode()).as(other.output()).isNotZero();
    }

    @Test
    void imagesSignedHereAreCorrectlySignedForOsslsigncodeAndSbverify() throws IOException {
        ExternalTool osslsigncode = ExternalTool.require("osslsigncode", "osslsigncode");
        ExternalTool sbverify = ExternalTool.require("sbverify", "sbsigntool");
        byte[] unsigned = Arrays.copyOf(new SyntheticPe().build(), 0x805); // 5 bytes of trailing data
        unsigned[0x800] = 'x';
        byte[] signed = TestSigning.sign(unsigned, signer);
        Authenticode a = Authenticode.read(PeParser.parse(signed), signed);
        Path pem = writePem("signer.pem", signer.cert());
        Path image = write("signed.efi", signed);

        ExternalTool.Result ossl = osslsigncode.run("verify", "-in", image, "-CAfile", pem);
        assertThat(ExternalTool.calculatedDigest(ossl)).as(ossl.output()).isEqualTo(a.sha256Hex());
        assertThat(ossl.output()).contains("Current message digest    : " + a.sha256Hex().toUpperCase());
        ExternalTool.Result sb = sbverify.run("--cert", pem, image);
        assertThat(sb.exitCode()).as(sb.output()).isZero();

        // one byte of .text flipped: both tools and this package see the mismatch
        byte[] flipped = signed.clone();
        flipped[(int) SyntheticPe.TEXT_RAW + 3] ^= 1;
        Path bad = write("flipped.efi", flipped);
        Authenticode b = Authenticode.read(PeParser.parse(flipped), flipped);
        assertThat(b.signatures().get(0).digestMatches()).isFalse();
        assertThat(ExternalTool.calculatedDigest(osslsigncode.run("verify", "-in", bad, "-CAfile", pem))).isEqualTo(b.sha256Hex());
        ExternalTool.Result sbBad = sbverify.run("--cert", pem, bad);
        assertThat(sbBad.exitCode()).as(sbBad.output()).isNotZero();
    }
}
