package efikexec.cli.input;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a file completely or not at all: a temporary file beside it, then a rename. */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void write(Path target, byte[] bytes) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (Files.isDirectory(target)) throw new UserInputException(target + ": is a directory, cannot write output there");
            if (dir != null && !Files.isDirectory(dir)) throw new UserInputException(target + ": directory " + dir + " does not exist");
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserInputException(target + ": cannot write: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the rename normally consumed it
                }
            }
        }
    }

    public static void write(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Checks early that an output path can be written, before a long run. */
    public static void checkWritable(Path target) {
        if (target == null) return;
        if (Files.isDirectory(target)) throw new UserInputException(target + ": is a directory, cannot write output there");
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new UserInputException(target + ": directory " + dir + " does not exist");
        if (dir != null && !Files.isWritable(dir)) throw new UserInputException(target + ": directory " + dir + " is not writable");
    }
}
