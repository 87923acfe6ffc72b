package efikexec.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDigestTest {
    @Test
    void nistVectorAbc(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("abc");
        Files.writeString(f, "abc");
        assertThat(ImageDigest.sha256(f, "abc".getBytes()))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void libcryptoAndTheJdkAgreeOnLargeAndOddSizes(@TempDir Path dir) throws Exception {
        Random r = new Random(7);
        for (int size : new int[] {1, 55, 56, 64, 4095, 1 << 20, (3 << 20) + 17}) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            Path f = dir.resolve("f" + size);
            Files.write(f, b);
            assertThat(ImageDigest.sha256(f, b)).as("size %d", size).isEqualTo(ImageDigest.jdk(b));
        }
    }

    @Test
    void aFileChangedSinceReadingFallsBackToTheBytesRead(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("changed");
        Files.writeString(f, "a longer file now");
        byte[] readEarlier = "abc".getBytes();
        assertThat(ImageDigest.sha256(f, readEarlier)).isEqualTo(ImageDigest.jdk(readEarlier));
    }
}
