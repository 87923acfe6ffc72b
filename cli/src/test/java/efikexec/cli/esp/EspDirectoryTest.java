package efikexec.cli.esp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.cli.input.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --esp DIR as the firmware's FileVolume: what is inside DIR, and nothing else. */
class EspDirectoryTest {
    @TempDir
    Path tmp;
    Path dir;
    EspDirectory esp;

    @BeforeEach
    void layOut() throws IOException {
        dir = Files.createDirectories(tmp.resolve("esp"));
        Files.createDirectories(dir.resolve("EFI/Linux/uki.efi.extra.d"));
        Files.writeString(dir.resolve("EFI/Linux/uki.efi.extra.d/a.cred"), "secret");
        Files.writeString(dir.resolve("EFI/Linux/uki.efi"), "uki");
        Files.writeString(tmp.resolve("outside.cred"), "not on the ESP");
        Files.createSymbolicLink(dir.resolve("EFI/Linux/uki.efi.extra.d/escape.cred"), tmp.resolve("outside.cred"));
        Files.createSymbolicLink(dir.resolve("up"), tmp);
        Files.createSymbolicLink(dir.resolve("EFI/inside.cred"), dir.resolve("EFI/Linux/uki.efi.extra.d/a.cred"));
        Files.createSymbolicLink(dir.resolve("dangling"), tmp.resolve("nothing"));
        esp = EspDirectory.open(dir);
    }

    @Test
    void filesAndDirectoriesInsideAreThere() {
        assertThat(esp.isDirectory("")).isTrue();
        assertThat(esp.isDirectory("EFI/Linux/uki.efi.extra.d")).isTrue();
        assertThat(esp.isFile("EFI/Linux/uki.efi.extra.d/a.cred")).isTrue();
        assertThat(esp.read("EFI/Linux/uki.efi.extra.d/a.cred")).isEqualTo("secret".getBytes(StandardCharsets.US_ASCII));
        assertThat(esp.size("EFI/Linux/uki.efi.extra.d/a.cred")).isEqualTo(6);
        assertThat(esp.list("EFI/Linux")).containsExactly("uki.efi", "uki.efi.extra.d");
        assertThat(esp.isFile("EFI/inside.cred")).as("a link to a file inside DIR").isTrue();
    }

    @Test
    void nothingOutsideCanBeReachedOrListed() {
        assertThat(esp.isFile("EFI/Linux/uki.efi.extra.d/escape.cred")).as("a link out of DIR").isFalse();
        assertThat(esp.read("EFI/Linux/uki.efi.extra.d/escape.cred")).isNull();
        assertThat(esp.size("EFI/Linux/uki.efi.extra.d/escape.cred")).isEqualTo(-1);
        assertThat(esp.isDirectory("up")).isFalse();
        assertThat(esp.list("up")).isEmpty();
        assertThat(esp.read("EFI/../../outside.cred")).as("'..'").isNull();
        assertThat(esp.isDirectory("EFI/..")).isFalse();
        assertThat(esp.isFile("/etc/passwd")).as("an absolute path").isFalse();
        assertThat(esp.list("EFI/Linux/uki.efi.extra.d")).containsExactly("a.cred");
        assertThat(esp.list("")).containsExactly("EFI");
    }

    @Test
    void theImageIsAtItsPathInsideElseInEfiLinux() throws IOException {
        assertThat(esp.imagePath(dir.resolve("EFI/Linux/uki.efi"))).isEqualTo("EFI\\Linux\\uki.efi");
        assertThat(esp.imagePath(tmp.resolve("outside.cred"))).isEqualTo("EFI\\Linux\\outside.cred");
        Path other = Files.writeString(tmp.resolve("other.efi"), "x");
        assertThat(esp.imagePath(other)).isEqualTo("EFI\\Linux\\other.efi");
    }

    @Test
    void aPathThatIsNoDirectoryIsBadInputNamingIt() {
        Path file = dir.resolve("EFI/Linux/uki.efi");
        assertThatThrownBy(() -> EspDirectory.open(file)).isInstanceOf(UserInputException.class)
                .hasMessage(file + ": --esp: not a directory");
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> EspDirectory.open(missing)).isInstanceOf(UserInputException.class)
                .hasMessage(missing + ": --esp: no such directory");
    }
}
