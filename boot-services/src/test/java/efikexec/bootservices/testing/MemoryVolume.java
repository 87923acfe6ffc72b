package efikexec.bootservices.testing;

import efikexec.bootservices.port.FileVolume;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A FileVolume held in memory, for tests: files by path, their parent directories made as they
 * are added, listings sorted. It counts whole-file reads, so that a test can tell that listing a
 * directory or asking a size read no file.
 */
public final class MemoryVolume implements FileVolume {
    private final Map<String, byte[]> files = new TreeMap<>();
    private final TreeSet<String> directories = new TreeSet<>(List.of(""));
    private int reads;

    public MemoryVolume file(String path, byte[] bytes) {
        files.put(path, bytes.clone());
        parents(path);
        return this;
    }

    public MemoryVolume file(String path, String text) {
        return file(path, text.getBytes(StandardCharsets.UTF_8));
    }

    public MemoryVolume directory(String path) {
        directories.add(path);
        parents(path);
        return this;
    }

    private void parents(String path) {
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) directories.add(path.substring(0, i));
    }

    /** How many times {@link #read} was called. */
    public int reads() {
        return reads;
    }

    @Override
    public boolean isDirectory(String path) {
        return directories.contains(path);
    }

    @Override
    public boolean isFile(String path) {
        return files.containsKey(path);
    }

    @Override
    public List<String> list(String path) {
        if (!isDirectory(path)) return List.of();
        String prefix = path.isEmpty() ? "" : path + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String p : files.keySet()) if (p.startsWith(prefix)) names.add(p.substring(prefix.length()).split("/")[0]);
        for (String p : directories) {
            if (!p.isEmpty() && p.startsWith(prefix)) names.add(p.substring(prefix.length()).split("/")[0]);
        }
        return List.copyOf(names);
    }

    @Override
    public byte[] read(String path) {
        reads++;
        byte[] b = files.get(path);
        return b == null ? null : b.clone();
    }

    @Override
    public long size(String path) {
        byte[] b = files.get(path);
        return b == null ? -1 : b.length;
    }
}
