package efikexec.cli.report;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of an image file for the report. A 32 MB kernel took 270–480 ms with the JDK's
 * SHA-256 in a cold JVM limited to C1 (the SHA-NI intrinsic needs C2), 21 ms with OpenSSL's
 * libcrypto (SHA-NI) over a mapping of the file. libcrypto.so.3 (libssl3) is on every Debian
 * system; without it the JDK computes the same digest, only slower.
 */
public final class ImageDigest {
    private ImageDigest() {
    }

    private interface LibCrypto extends Library {
        Pointer EVP_sha256();

        int EVP_Digest(Pointer data, long count, byte[] md, IntByReference size, Pointer type, Pointer engine);

        int EVP_Digest(byte[] data, long count, byte[] md, IntByReference size, Pointer type, Pointer engine);
    }

    private static final LibCrypto CRYPTO = load();

    private static LibCrypto load() {
        try {
            return Native.load("crypto", LibCrypto.class);
        } catch (UnsatisfiedLinkError e) {
            try {
                return Native.load("libcrypto.so.3", LibCrypto.class);
            } catch (UnsatisfiedLinkError e2) {
                return null;
            }
        }
    }

    /** Hex SHA-256 of the file's bytes (the file as it is now, which the caller just read). */
    public static String sha256(Path file, byte[] contents) {
        if (CRYPTO != null && contents.length > 0) {
            try (FileChannel ch = FileChannel.open(file)) {
                if (ch.size() == contents.length) {
                    MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                    byte[] md = new byte[32];
                    if (CRYPTO.EVP_Digest(Native.getDirectBufferPointer(m), contents.length, md, new IntByReference(),
                            CRYPTO.EVP_sha256(), null) == 1) {
                        return HexFormat.of().formatHex(md);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // fall through to the JDK: same digest, only slower
            }
        }
        return jdk(contents);
    }

    /** Hex SHA-256 of bytes in memory (an initrd read back from guest memory). */
    public static String sha256(byte[] contents) {
        if (CRYPTO != null && contents.length > 0) {
            byte[] md = new byte[32];
            if (CRYPTO.EVP_Digest(contents, contents.length, md, new IntByReference(), CRYPTO.EVP_sha256(), null) == 1) {
                return HexFormat.of().formatHex(md);
            }
        }
        return jdk(contents);
    }

    static String jdk(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
