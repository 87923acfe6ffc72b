package efikexec.cli.report;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.ServiceCall;
import efikexec.bootservices.table.ConfigTables;
import efikexec.emulator.run.RunResult;
import efikexec.memmap.MemoryDescriptor;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run report, schema efikexec.run/1 (DESIGN.md). Built from ordered maps so the same run
 * gives the same bytes; only "millis" values and "timing" vary between runs.
 */
public final class RunReport {
    public static final String SCHEMA = "efikexec.run/1";

    private RunReport() {
    }

    /** Image facts the report names. */
    public record ImageFacts(String path, String format, String arch, String sha256) {
    }

    public static Map<String, Object> build(ImageFacts image, String target, String cmdline, RunResult r,
            Map<String, Object> handover) {
        Firmware fw = r.firmware();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        Map<String, Object> img = new LinkedHashMap<>();
        img.put("path", image.path());
        img.put("format", image.format());
        img.put("arch", image.arch());
        img.put("sha256", image.sha256());
        img.put("loadAddress", Hex.of(r.image().base()));
        img.put("entryPoint", Hex.of(r.image().entryPoint()));
        m.put("image", img);
        m.put("target", target);
        m.put("cmdline", cmdline);
        m.put("outcome", r.outcome().label());
        m.put("exitBootServices", r.exitBootServices() == null ? null : milestone(r.exitBootServices()));
        if (r.kernelEntry() != null) {
            Map<String, Object> k = milestone(r.kernelEntry());
            k.put("pc", Hex.of(r.kernelEntry().pc()));
            k.put("registers", registers(r.registers()));
            if (handover != null) k.putAll(handover);
            m.put("kernelEntry", reorder(k, "pc", "registers"));
        } else {
            m.put("kernelEntry", null);
        }
        if (r.fault() != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("kind", r.fault().kind());
            f.put("pc", Hex.of(r.fault().pc()));
            f.put("message", r.fault().message());
            f.put("registers", registers(r.registers()));
            m.put("fault", f);
        } else {
            m.put("fault", null);
        }
        List<ServiceCall> trace = fw.registry().trace();
        m.put("serviceCalls", trace.size());
        Map<String, Integer> counts = new TreeMap<>();
        List<String> unimplemented = new ArrayList<>();
        for (ServiceCall c : trace) {
            counts.merge(c.name(), 1, Integer::sum);
            if (!c.implemented() && !unimplemented.contains(c.name())) unimplemented.add(c.name());
        }
        m.put("serviceCallCounts", counts);
        m.put("unimplementedCalls", unimplemented);
        m.put("console", fw.consoleText());
        List<Map<String, Object>> tables = new ArrayList<>();
        for (ConfigTables.Entry e : fw.configTables().entries()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("guid", e.guid().toString());
            t.put("name", KnownGuids.nameOrNull(e.guid()));
            t.put("address", Hex.of(e.table()));
            tables.add(t);
        }
        m.put("configTables", tables);
        List<Map<String, Object>> map = new ArrayList<>();
        for (MemoryDescriptor d : fw.memoryMap().descriptors()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("type", d.typeName());
            e.put("start", Hex.of(d.physicalStart()));
            e.put("pages", d.numberOfPages());
            e.put("attribute", Hex.of(d.attribute()));
            map.add(e);
        }
        m.put("memoryMap", map);
        Map<String, Object> engine = new LinkedHashMap<>(); // Map.of's order changes from JVM to JVM
        engine.put("name", "unicorn");
        engine.put("version", r.engineVersion());
        m.put("engine", engine);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("setupMillis", round(r.timing().setupMillis()));
        timing.put("engineMillis", round(r.timing().engineMillis()));
        timing.put("servicesMillis", round(r.timing().servicesMillis()));
        timing.put("totalMillis", round(r.timing().totalMillis()));
        m.put("timing", timing);
        return m;
    }

    private static Map<String, Object> reorder(Map<String, Object> m, String... first) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : first) if (m.containsKey(k)) out.put(k, m.get(k));
        m.forEach(out::putIfAbsent);
        return out;
    }

    private static Map<String, Object> milestone(RunResult.Milestone ms) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instructions", ms.instructions());
        m.put("millis", round(ms.millis()));
        return m;
    }

    private static Map<String, String> registers(Map<String, Long> regs) {
        Map<String, String> m = new LinkedHashMap<>();
        if (regs != null) regs.forEach((k, v) -> m.put(k, Hex.of(v)));
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    public static String toJson(Object report) {
        return JsonText.pretty(report) + "\n";
    }

    /** One trace line (JSON Lines): name, arguments, status, caller pc. */
    public static String traceLine(ServiceCall c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", c.sequence());
        m.put("name", c.name());
        List<String> args = new ArrayList<>();
        for (long a : c.args()) args.add(Hex.of(a));
        m.put("args", args);
        m.put("status", EfiStatus.describe(c.result()));
        m.put("callerPc", Hex.of(c.callerPc()));
        if (c.note() != null) m.put("note", c.note());
        if (!c.implemented()) m.put("implemented", false);
        return JsonText.compact(m);
    }
}
