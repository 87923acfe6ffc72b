package efikexec.emulator.backend;

/** Guest page permissions, as bits (engines translate them). */
public final class Permission {
    private Permission() {
    }

    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXEC = 4;
    public static final int ALL = READ | WRITE | EXEC;
}
