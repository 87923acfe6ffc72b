package efikexec.cli.input;

import efikexec.model.FormatException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

/** Reads input files and turns every way they can be wrong into one line naming the file. */
public final class InputFiles {
    private InputFiles() {
    }

    /** Files larger than this are refused before reading (no image or DTB comes near it). */
    public static final long MAX_BYTES = 1L << 30;

    public static byte[] read(Path path, String role) {
        if (!Files.exists(path)) throw new UserInputException(path + ": no such file (" + role + ")");
        if (Files.isDirectory(path)) throw new UserInputException(path + ": is a directory, expected the " + role + " file");
        if (!Files.isRegularFile(path)) throw new UserInputException(path + ": not a regular file (" + role + ")");
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new UserInputException(path + ": " + size + " bytes, larger than any " + role + " (limit 1 GiB)");
            }
            byte[] b = readMapped(path);
            if (b.length == 0) throw new UserInputException(path + ": empty file, expected the " + role);
            return b;
        } catch (AccessDeniedException e) {
            throw new UserInputException(path + ": permission denied (" + role + ")");
        } catch (NoSuchFileException e) {
            throw new UserInputException(path + ": no such file (" + role + ")");
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot read " + role + ": " + e.getMessage());
        }
    }

    /**
     * Reads through a memory mapping: Files.readAllBytes goes through a temporary native buffer
     * as large as the file, whose first touch costs ~100 ms for a 32 MB kernel in this VM.
     */
    private static byte[] readMapped(Path path) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path)) {
            long size = ch.size();
            byte[] b = new byte[(int) size];
            if (size > 0) ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size).get(b);
            return b;
        }
    }

    /** Parses bytes, turning a FormatException into a one-line error naming the file. */
    public static <T> T parse(Path path, byte[] bytes, Function<byte[], T> parser) {
        try {
            return parser.apply(bytes);
        } catch (FormatException e) {
            throw new UserInputException(path + ": " + e.describe());
        }
    }
}
