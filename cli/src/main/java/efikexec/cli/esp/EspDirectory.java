package efikexec.cli.esp;

import efikexec.bootservices.port.FileVolume;
import efikexec.cli.input.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * `--esp DIR`: a host directory as the read-only ESP the firmware serves through
 * SimpleFileSystem. Only what lies inside DIR can be reached: a path with "." or ".." in it, and
 * anything whose real path (symbolic links followed) is outside DIR or does not exist, is
 * neither a file nor a directory and is not listed. Nothing is ever written.
 */
public final class EspDirectory implements FileVolume {
    /** Files that cannot be one byte array are unreadable here (no ESP file comes near it). */
    private static final long MAX_FILE = Integer.MAX_VALUE - 8;

    private final Path root;

    private EspDirectory(Path root) {
        this.root = root;
    }

    /** The volume at dir; not a directory: bad input, one line naming it (exit 2). */
    public static EspDirectory open(Path dir) {
        if (!Files.exists(dir)) throw new UserInputException(dir + ": --esp: no such directory");
        if (!Files.isDirectory(dir)) throw new UserInputException(dir + ": --esp: not a directory");
        try {
            return new EspDirectory(dir.toRealPath());
        } catch (IOException e) {
            throw new UserInputException(dir + ": --esp: " + e.getMessage());
        }
    }

    /**
     * Where the image sits on this ESP, as FirmwareOptions' imageName: its path inside DIR when it
     * is there, else EFI\Linux\NAME, where UKIs live on an ESP (the Boot Loader Specification's
     * type #2 entries) and where systemd-stub then looks for EFI\Linux\NAME.extra.d.
     */
    public String imagePath(Path image) {
        try {
            Path real = image.toRealPath();
            if (real.startsWith(root) && !real.equals(root)) {
                List<String> names = new ArrayList<>();
                for (Path name : root.relativize(real)) names.add(name.toString());
                return String.join("\\", names);
            }
        } catch (IOException e) {
            // An image that cannot be resolved is not inside DIR: it gets the usual place.
        }
        return "EFI\\Linux\\" + image.getFileName();
    }

    /** The real path of a volume path inside DIR, or null when it names nothing there. */
    private Path resolve(String path) {
        Path p = root;
        if (!path.isEmpty()) {
            for (String name : path.split("/", -1)) {
                if (name.isEmpty() || name.equals(".") || name.equals("..")) return null;
                try {
                    p = p.resolve(name);
                } catch (InvalidPathException e) {
                    return null;
                }
            }
        }
        try {
            Path real = p.toRealPath();
            return real.startsWith(root) ? real : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public boolean isDirectory(String path) {
        Path p = resolve(path);
        return p != null && Files.isDirectory(p);
    }

    @Override
    public boolean isFile(String path) {
        Path p = resolve(path);
        return p != null && Files.isRegularFile(p);
    }

    @Override
    public List<String> list(String path) {
        Path dir = resolve(path);
        if (dir == null || !Files.isDirectory(dir)) return List.of();
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.forEach(e -> names.add(e.getFileName().toString()));
        } catch (IOException e) {
            return List.of();
        }
        String prefix = path.isEmpty() ? "" : path + "/";
        names.removeIf(n -> !isDirectory(prefix + n) && !isFile(prefix + n));
        names.sort(null);
        return List.copyOf(names);
    }

    @Override
    public byte[] read(String path) {
        Path p = resolve(path);
        try {
            if (p == null || !Files.isRegularFile(p) || Files.size(p) > MAX_FILE) return null;
            return Files.readAllBytes(p);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public long size(String path) {
        Path p = resolve(path);
        try {
            return p != null && Files.isRegularFile(p) ? Files.size(p) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
