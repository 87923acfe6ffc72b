package efikexec.purgatory.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SegmentDigestTest {
    @Test
    void theDigestIsOverMemszBytesTheBufferThenZeros() throws Exception {
        byte[] buffer = {1, 2, 3};
        Segment s = new Segment(0x4020_0000L, buffer, 0x2_0000);
        byte[] memory = Arrays.copyOf(buffer, 0x2_0000);
        assertThat(SegmentDigest.sha256(s)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(memory));
        assertThat(SegmentDigest.sha256(s)).isNotEqualTo(MessageDigest.getInstance("SHA-256").digest(buffer));
    }

    @Test
    void aFullBufferIsHashedAsIs() throws Exception {
        byte[] page = new byte[0x1000];
        Arrays.fill(page, (byte) 'a');
        assertThat(SegmentDigest.sha256(new Segment(0x1000, page, 0x1000)))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(page));
    }

    @Test
    void anEmptyBufferIsMemszZeros() {
        // SHA-256 of 4096 zero bytes (sha256sum < /dev/zero, 4096 bytes)
        assertThat(HexFormat.of().formatHex(SegmentDigest.sha256(new Segment(0, new byte[0], 0x1000))))
                .isEqualTo("ad7facb2586fc6e966c004d7d1d16b024f5805ff7cb47c7a85dabd8b48892ca7");
    }
}
