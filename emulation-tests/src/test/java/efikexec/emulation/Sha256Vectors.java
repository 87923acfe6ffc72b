package efikexec.emulation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** What the handoff stubs' SHA-256 routines (both architectures) are checked against. */
final class Sha256Vectors {
    /** FIPS 180-2's examples and the empty message: {message, SHA-256 in hex}. */
    static final String[][] NIST = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                + "mnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };

    private Sha256Vectors() {
    }

    /** Java's own SHA-256, the reference. */
    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Lengths for every padding case (tail 0..63: one or two padding blocks), around a page, and
     * {@code random} more up to 10000 drawn from {@code rnd}.
     */
    static List<Integer> lengths(Random rnd, int random) {
        List<Integer> lengths = new ArrayList<>(IntStream.rangeClosed(0, 130).boxed().toList());
        lengths.addAll(List.of(4095, 4096, 4097, 10_000));
        for (int i = 0; i < random; i++) lengths.add(rnd.nextInt(10_001));
        return lengths;
    }
}
