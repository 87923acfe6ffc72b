package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.authenticode.AuthenticodeDigest;
import efikexec.pe.authenticode.TestSigning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `inspect` shows Authenticode signatures; `run --verify-signature --db CERT` refuses what UEFI
 * Secure Boot's db check would refuse, before the image runs: Debian's signed kernels against a
 * test certificate, and a tiny arm64 EFI application signed here with a test key (Bouncy Castle,
 * as sbsign lays a signature out), as it is, with one byte changed, unsigned and signed by
 * another key.
 */
class AuthenticodeCliTest {
    private static final String RAM = "0x40000000:256M";
    private static final long EFI_ABORTED = 0x8000_0000_0000_0000L | 21;

    @TempDir
    static Path files;

    @TempDir
    Path out;

    static KeyPair key;
    static X509Certificate cert;
    static KeyPair otherKey;
    static X509Certificate otherCert;
    static Path certPem;
    static Path certDer;
    static byte[] app;
    static Path signedApp;

    @BeforeAll
    static void signTheApp() throws Exception {
        TestSigning.Signer signer = TestSigning.selfSigned("O=efikexec,CN=efikexec CLI test signer");
        key = signer.key();
        cert = signer.cert();
        TestSigning.Signer other = TestSigning.selfSigned("CN=efikexec CLI other signer");
        otherKey = other.key();
        otherCert = other.cert();
        certPem = Files.writeString(files.resolve("db.pem"), TestSigning.pem(cert), StandardCharsets.US_ASCII);
        certDer = Files.write(files.resolve("db.der"), cert.getEncoded());
        // return EFI_ABORTED: shows on stderr that the image ran
        app = TinyEfiApp.build(new Arm64Asm.Program().mov64(0, EFI_ABORTED).emit(Arm64Asm.RET).assemble());
        signedApp = Files.write(files.resolve("signed.efi"), TestSigning.sign(app, new TestSigning.Signer(key, cert)));
    }

    // ------------------------------------------------------------------ inspect

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void inspectShowsDebiansSignatureAndAMatchingDigest(String arch) {
        Path k = arch.equals("amd64") ? Fixtures.amd64Kernel() : Fixtures.arm64Kernel();
        CliRun text = CliRun.of("inspect", k.toString());
        assertEquals(0, text.exitCode(), text::describe);
        assertEquals("", text.err());
        assertThat(text.out()).contains("  authenticode:\n    sha256: ", "    signatures:\n",
                "      - signer: CN=Debian Secure Boot Signer 2022 - linux\n",
                "        issuer: CN=Debian Secure Boot CA\n", "        digestAlgorithm: SHA-256\n",
                "        digestMatches: true\n", "        signatureVerifies: true\n");

        CliRun json = CliRun.of("inspect", k.toString(), "--json");
        assertEquals(0, json.exitCode(), json::describe);
        JsonNode a = CliRun.json(json.out()).path("pe").path("authenticode");
        byte[] bytes = Fixtures.read(k);
        String digest = java.util.HexFormat.of().formatHex(AuthenticodeDigest.sha256(PeParser.parse(bytes), bytes));
        assertEquals(digest, a.path("sha256").asText());
        assertThat(CliRun.json(json.out()).path("sha256").asText()).as("the file's own digest differs").isNotEqualTo(digest);
        assertEquals(1, a.path("signatures").size(), a::toPrettyString);
        JsonNode s = a.path("signatures").get(0);
        assertThat(s.path("signer").asText()).startsWith("CN=Debian Secure Boot Signer");
        assertEquals("CN=Debian Secure Boot CA", s.path("issuer").asText());
        assertEquals("SHA-256", s.path("digestAlgorithm").asText());
        assertEquals(digest, s.path("digest").asText());
        assertThat(s.path("digestMatches").asBoolean()).isTrue();
        assertThat(s.path("signatureVerifies").asBoolean()).isTrue();
        PeImage pe = PeParser.parse(bytes);
        assertEquals(pe.securityDirectory().rva(), CliRun.hex(s.path("fileOffset")));
    }

    @Test
    void inspectShowsTheTestSignatureAndNoneOnTheUnsignedApp() throws IOException {
        CliRun signed = CliRun.of("inspect", signedApp.toString(), "--json");
        assertEquals(0, signed.exitCode(), signed::describe);
        JsonNode s = CliRun.json(signed.out()).path("pe").path("authenticode").path("signatures").get(0);
        assertEquals("CN=efikexec CLI test signer,O=efikexec", s.path("signer").asText());
        assertEquals(cert.getSerialNumber().toString(16), s.path("serial").asText());
        assertThat(s.path("digestMatches").asBoolean()).isTrue();

        Path unsigned = Files.write(out.resolve("unsigned.efi"), app);
        CliRun none = CliRun.of("inspect", unsigned.toString());
        assertEquals(0, none.exitCode(), none::describe);
        assertThat(none.out()).contains("  authenticode:\n    sha256: ", "    signatures: none\n");
    }

    // ------------------------------------------------------------------ run --verify-signature

    private CliRun run(Path image, String... options) {
        List<String> args = new ArrayList<>(List.of("run", image.toString(), "--ram", RAM,
                "--report", out.resolve("report.json").toString()));
        args.addAll(List.of(options));
        return CliRun.of(args);
    }

    /** Exit 2, one line naming {@code names} and saying {@code says}, nothing run or written. */
    private String assertRefused(CliRun run, String says, String... names) throws IOException {
        assertEquals(2, run.exitCode(), run::describe);
        assertEquals("", run.out(), run::describe);
        assertThat(run.err()).doesNotContain("Exception", "\tat ");
        assertEquals(1, run.errLines().size(), run::describe);
        String line = run.errLines().get(0);
        assertThat(line).as(run.describe()).startsWith("efikexec: ").contains(says);
        for (String n : names) assertThat(line).as(run.describe()).contains(n);
        try (var s = Files.list(out)) {
            assertThat(s.toList()).as("nothing written").isEmpty();
        }
        return line;
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void debiansKernelIsRefusedByATestDb(String arch) throws IOException {
        Path k = arch.equals("amd64") ? Fixtures.amd64Kernel() : Fixtures.arm64Kernel();
        String line = assertRefused(run(k, "--verify-signature", "--db", certPem.toString()),
                "signed by CN=Debian Secure Boot Signer 2022 - linux which no --db certificate trusts", k.toString());
        assertThat(line).isEqualTo("efikexec: " + k + ": refused by --verify-signature: "
                + "signed by CN=Debian Secure Boot Signer 2022 - linux which no --db certificate trusts");
    }

    @Test
    void anAppSignedByADbCertificateRuns() {
        InProcessRun.unicorn(); // aborts (or fails in CI) when libunicorn is missing
        for (Path db : List.of(certPem, certDer)) {
            CliRun run = run(signedApp, "--verify-signature", "--db", otherPem().toString(), "--db", db.toString());
            // it ran: returned EFI_ABORTED to the firmware (GuestOutcomeTest: image-returned, exit 3)
            assertEquals(3, run.exitCode(), run::describe);
            assertThat(run.err()).contains("image-returned", "ABORTED").doesNotContain("refused");
            assertEquals("image-returned", CliRun.json(out.resolve("report.json")).path("outcome").asText());
        }
    }

    @Test
    void anAppWithAFlippedByteIsRefused() throws IOException {
        byte[] f = Files.readAllBytes(signedApp);
        f[TinyEfiApp.ALIGNMENT + 1] ^= 0x10; // inside .text, the first instruction
        Path flipped = Files.write(files.resolve("flipped.efi"), f);
        assertRefused(run(flipped, "--verify-signature", "--db", certPem.toString()),
                "refused by --verify-signature: Authenticode digest mismatch", flipped.toString());
    }

    @Test
    void anUnsignedAppIsRefused() throws IOException {
        Path unsigned = Files.write(files.resolve("unsigned.efi"), app);
        String line = assertRefused(run(unsigned, "--verify-signature", "--db", certPem.toString()), "not signed",
                unsigned.toString());
        assertEquals("efikexec: " + unsigned + ": refused by --verify-signature: not signed", line);
    }

    @Test
    void anAppSignedByAnotherKeyIsRefused() throws Exception {
        Path other = Files.write(files.resolve("other.efi"), TestSigning.sign(app, new TestSigning.Signer(otherKey, otherCert)));
        assertRefused(run(other, "--verify-signature", "--db", certPem.toString()),
                "signed by CN=efikexec CLI other signer which no --db certificate trusts", other.toString());
    }

    @Test
    void aBrokenCertificateTableIsBadInput() throws IOException {
        byte[] f = Files.readAllBytes(signedApp);
        PeImage pe = PeParser.parse(f);
        int table = (int) pe.securityDirectory().rva();
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(table, (int) pe.securityDirectory().size() + 8);
        Path broken = Files.write(files.resolve("broken-table.efi"), f);
        assertRefused(run(broken, "--verify-signature", "--db", certPem.toString()), "dwLength", broken.toString());
        CliRun inspect = CliRun.of("inspect", broken.toString());
        assertEquals(2, inspect.exitCode(), inspect::describe);
        assertThat(inspect.errLines()).singleElement().asString().contains(broken.toString(), "dwLength");
    }

    @Test
    void badOptionsAndCertificateFilesAreOneLineErrors() throws IOException {
        assertRefused(run(signedApp, "--db", certPem.toString()), "--verify-signature");
        assertRefused(run(signedApp, "--verify-signature"), "--db");
        Path missing = files.resolve("no-such.pem");
        assertRefused(run(signedApp, "--verify-signature", "--db", missing.toString()), "no such file", missing.toString());
        Path garbage = Files.writeString(files.resolve("garbage.pem"), "not a certificate\n");
        assertRefused(run(signedApp, "--verify-signature", "--db", garbage.toString()), "not an X.509 certificate",
                garbage.toString());
        assertRefused(run(signedApp, "--verify-signature", "--db", files.toString()), "directory", files.toString());
    }

    private static Path otherPem() {
        try {
            Path p = files.resolve("other.pem");
            if (!Files.exists(p)) Files.writeString(p, TestSigning.pem(otherCert), StandardCharsets.US_ASCII);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A verified image runs as under Secure Boot: SecureBoot reads 1, and systemd-stub then keeps
     * a UKI's own .cmdline over the LoadOptions --cmdline gives; unverified, LoadOptions win.
     */
    @Test
    void aVerifiedUkiRunsUnderSecureBootWhereItsOwnCommandLineWins() throws Exception {
        Path uki = files.resolve("uki.efi");
        CliRun b = CliRun.of("uki", "build", "--stub", UkiTest.stub("trixie", "arm64").toString(), "--linux",
                Fixtures.arm64Kernel().toString(), "--cmdline", "console=ttyAMA0 efikexec.embedded=1", "-o", uki.toString());
        assertEquals(0, b.exitCode(), b::describe);
        Path signed = Files.write(files.resolve("uki-signed.efi"), TestSigning.sign(Files.readAllBytes(uki), new TestSigning.Signer(key, cert)));
        Path verified = out.resolve("verified.json"), plain = out.resolve("plain.json");
        CliRun r = CliRun.of("run", signed.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--cmdline",
                "efikexec.given=1", "--verify-signature", "--db", certPem.toString(), "--report", verified.toString());
        assertEquals(0, r.exitCode(), r::describe);
        CliRun p = CliRun.of("run", signed.toString(), "--dtb", Fixtures.qemuVirtDtb().toString(), "--cmdline",
                "efikexec.given=1", "--report", plain.toString());
        assertEquals(0, p.exitCode(), p::describe);
        assertEquals("console=ttyAMA0 efikexec.embedded=1",
                CliRun.json(verified).path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
        assertEquals("efikexec.given=1", CliRun.json(plain).path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
    }
}
