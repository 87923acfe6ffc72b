package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `efikexec uki build` on bad input: one line on stderr naming the file, exit 2, no output file. */
class UkiBuildBadInputTest {
    @TempDir
    Path dir;

    private CliRun build(Path stub, Path linux, Path out, String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("uki", "build", "--stub", stub.toString(),
                "--linux", linux.toString(), "-o", out.toString()));
        args.addAll(java.util.List.of(extra));
        return CliRun.of(args);
    }

    private void refused(CliRun r, Path out, String... mentions) {
        assertEquals(2, r.exitCode(), r::describe);
        assertThat(r.errLines()).as(r::describe).hasSize(1);
        assertThat(r.errLines().get(0)).contains(mentions);
        assertThat(out).doesNotExist();
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aStubThatIsNoPe() throws Exception {
        Path junk = Files.write(dir.resolve("junk.stub"), "not a PE at all".getBytes());
        Path out = dir.resolve("uki.efi");
        refused(build(junk, Fixtures.arm64Kernel(), out), out, junk.toString(), "MZ");
    }

    @Test
    void aKernelThatIsNoPe() throws Exception {
        Path junk = Files.write(dir.resolve("junk.linux"), new byte[4096]);
        Path out = dir.resolve("uki.efi");
        refused(build(UkiTest.stub("trixie", "arm64"), junk, out), out, junk.toString());
    }

    @Test
    void aKernelOfTheOtherArchitecture() {
        Path out = dir.resolve("uki.efi");
        refused(build(UkiTest.stub("trixie", "arm64"), Fixtures.amd64Kernel(), out), out,
                Fixtures.amd64Kernel().toString(), "x86_64", "aarch64");
    }

    @Test
    void missingInputsAndAnUnwritableOutput() {
        Path missing = dir.resolve("nope.efi");
        Path out = dir.resolve("uki.efi");
        refused(build(missing, Fixtures.arm64Kernel(), out), out, missing.toString());
        refused(build(UkiTest.stub("trixie", "arm64"), missing, out), out, missing.toString());
        Path noDir = dir.resolve("no/such/dir/uki.efi");
        refused(build(UkiTest.stub("trixie", "arm64"), Fixtures.arm64Kernel(), noDir), noDir, noDir.getParent().toString());
        refused(build(UkiTest.stub("trixie", "arm64"), Fixtures.arm64Kernel(), out, "--initrd", missing.toString()), out,
                missing.toString());
    }

    @Test
    void aDtbThatIsNoDeviceTree() throws Exception {
        Path junk = Files.write(dir.resolve("junk.dtb"), new byte[64]);
        Path out = dir.resolve("uki.efi");
        refused(build(UkiTest.stub("trixie", "arm64"), Fixtures.arm64Kernel(), out, "--dtb", junk.toString()), out,
                junk.toString());
    }
}
