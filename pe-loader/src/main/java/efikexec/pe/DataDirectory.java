package efikexec.pe;

/**
 * One entry of the optional header's data directory. For the certificate table (index 4) the
 * "rva" is a file offset, as the PE specification says.
 */
public record DataDirectory(long rva, long size) {
    public static final DataDirectory EMPTY = new DataDirectory(0, 0);

    public static final int EXPORT = 0;
    public static final int IMPORT = 1;
    public static final int RESOURCE = 2;
    public static final int EXCEPTION = 3;
    public static final int SECURITY = 4;
    public static final int BASERELOC = 5;
    public static final int DEBUG = 6;

    public boolean isEmpty() {
        return size == 0;
    }
}
