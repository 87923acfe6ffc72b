package efikexec.emulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import efikexec.cli.EfikexecCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One in-process run of the efikexec command line: exit code, stdout and stderr. */
record CliRun(List<String> args, int exitCode, String out, String err) {
    static final ObjectMapper JSON = new ObjectMapper();

    static CliRun of(String... args) {
        return of(List.of(args));
    }

    static CliRun of(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = EfikexecCommand.execute(args.toArray(String[]::new), o, e);
        }
        return new CliRun(List.copyOf(args), code, out.toString(), err.toString());
    }

    /** stderr split into lines, blank lines dropped. */
    List<String> errLines() {
        List<String> lines = new ArrayList<>();
        for (String l : err.split("\\R")) if (!l.isBlank()) lines.add(l);
        return lines;
    }

    /** For assertion messages. */
    String describe() {
        return "efikexec " + String.join(" ", args) + "\n exit " + exitCode + "\n stdout: " + out + "\n stderr: " + err;
    }

    /** The report text without "millis" fields and the "timing" object: what must repeat run to run. */
    static String normalized(JsonNode report) {
        JsonNode copy = report.deepCopy();
        strip(copy);
        return copy.toPrettyString();
    }

    static void strip(JsonNode n) {
        if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.remove("millis");
            o.remove("timing");
        }
        for (JsonNode child : n) strip(child);
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "0x…" as the report writes addresses. */
    static long hex(JsonNode n) {
        String s = n.asText();
        if (!s.startsWith("0x")) throw new AssertionError("not a 0x… address: " + n);
        return Long.parseUnsignedLong(s.substring(2), 16);
    }
}
