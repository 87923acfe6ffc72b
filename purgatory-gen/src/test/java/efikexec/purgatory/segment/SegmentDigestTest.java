package efikexec.purgatory.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SegmentDigestTest {
    @Test
    void theDigestIsOverTheBufferNotTheZeroFill() throws Exception {
        byte[] buffer = {1, 2, 3};
        Segment s = new Segment(0x4020_0000L, buffer, 0x2_0000);
        assertThat(SegmentDigest.sha256(s)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(buffer));
        assertThat(SegmentDigest.sha256(s))
                .isNotEqualTo(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(buffer, 0x2_0000)));
    }

    @Test
    void aFullBufferIsHashedAsIs() throws Exception {
        byte[] page = new byte[0x1000];
        Arrays.fill(page, (byte) 'a');
        assertThat(SegmentDigest.sha256(new Segment(0x1000, page, 0x1000)))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(page));
    }

    @Test
    void anEmptyBufferIsTheDigestOfNothing() {
        // sha256sum < /dev/null
        assertThat(HexFormat.of().formatHex(SegmentDigest.sha256(new Segment(0, new byte[0], 0x1000))))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
