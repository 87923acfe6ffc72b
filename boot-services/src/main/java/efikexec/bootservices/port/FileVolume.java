package efikexec.bootservices.port;

import java.util.List;

/**
 * A read-only file system the firmware serves through EFI_SIMPLE_FILE_SYSTEM_PROTOCOL on the
 * device the first image was loaded from (the ESP beside a UKI: addons, credentials, sysexts).
 * Paths use '/' separators from the volume's root, without a leading '/'; "" is the root.
 * The host side (a directory) lives outside boot-services.
 */
public interface FileVolume {
    /** Whether the path names a directory. */
    boolean isDirectory(String path);

    /** Whether the path names a regular file. */
    boolean isFile(String path);

    /** The names in a directory, sorted, or an empty list when it is none. */
    List<String> list(String path);

    /** A file's bytes; null when it is not a readable regular file. */
    byte[] read(String path);

    /**
     * A regular file's size in bytes, or -1 when it is none. Directory reads and GetInfo report
     * the size of every entry they show, where a reader may open none of them: a volume that can
     * tell the size without reading the file (sysexts run to hundreds of MiB) should say so here.
     */
    default long size(String path) {
        byte[] b = read(path);
        return b == null ? -1 : b.length;
    }
}
