package efikexec.bootservices.port;

/** Where ConOut and StdErr text goes (the serial log). */
@FunctionalInterface
public interface ConsoleSink {
    void write(String text);
}
