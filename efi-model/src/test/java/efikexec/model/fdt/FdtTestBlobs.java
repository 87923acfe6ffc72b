package efikexec.model.fdt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/** The blobs under src/test/resources/fdt/ and byte helpers for patching them. */
final class FdtTestBlobs {
    private FdtTestBlobs() {
    }

    static byte[] qemuVirt() {
        return resource("qemu-virt.dtb");
    }

    static byte[] qemuVirtDtc() {
        return resource("qemu-virt-dtc.dtb");
    }

    static byte[] small() {
        return resource("small.dtb");
    }

    static byte[] resource(String name) {
        try (InputStream in = FdtTestBlobs.class.getResourceAsStream("/fdt/" + name)) {
            return Objects.requireNonNull(in, name).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    static byte[] put32(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
        return b;
    }

    /** Offset of the first occurrence of {@code s} (as ASCII) in {@code b}. */
    static int indexOf(byte[] b, String s) {
        byte[] n = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= b.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (b[i + j] != n[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found: " + s);
    }
}
