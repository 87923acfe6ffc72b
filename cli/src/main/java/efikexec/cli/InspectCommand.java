package efikexec.cli;

import efikexec.cli.input.InputFiles;
import efikexec.cli.report.Hex;
import efikexec.cli.report.RunReport;
import efikexec.pe.IdentifiedImage;
import efikexec.pe.ImageFormat;
import efikexec.pe.ImageIdentifier;
import efikexec.pe.PeImage;
import efikexec.pe.PeSection;
import efikexec.pe.linux.Arm64ImageHeader;
import efikexec.pe.authenticode.Authenticode;
import efikexec.pe.authenticode.AuthenticodeSignature;
import efikexec.pe.linux.SetupHeader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `efikexec inspect IMAGE [--json]`: what the image is, its PE layout, its Authenticode digest and
 * signatures, and its boot headers.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an image's format, PE headers and sections, Authenticode signatures, and its Linux boot header.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = "--json", description = "Print JSON (schema efikexec.inspect/1).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        byte[] file = InputFiles.read(image, "image");
        IdentifiedImage id = InputFiles.parse(image, file, ImageIdentifier::identify);
        // the identifier looks only at the "HdrS" magic of a bzImage: check the whole setup header
        // here, so that a broken one is the same one-line error as a broken PE header
        SetupHeader setup = id.format() == ImageFormat.X86_BZIMAGE
                ? InputFiles.parse(image, file, SetupHeader::parse) : null;
        // likewise the zboot header: the payload must lie inside the file
        if (id.format() == ImageFormat.EFI_ZBOOT) InputFiles.parse(image, file, efikexec.pe.linux.ZbootHeader::parse);
        Map<String, Object> m = describe(image, file, id, setup);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(RunReport.toJson(m));
        } else {
            print(out, m, "");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code setup}: the checked setup header of an x86 bzImage, else null. */
    static Map<String, Object> describe(Path path, byte[] file, IdentifiedImage id, SetupHeader setup) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", "efikexec.inspect/1");
        m.put("path", path.toString());
        m.put("format", id.format().name().toLowerCase().replace('_', '-'));
        m.put("arch", id.arch());
        m.put("size", file.length);
        m.put("sha256", efikexec.cli.report.ImageDigest.sha256(path, file));
        PeImage pe = id.pe();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("machine", Hex.of(pe.machine()));
        p.put("subsystem", pe.subsystem());
        p.put("imageBase", Hex.of(pe.imageBase()));
        p.put("sizeOfImage", Hex.of(pe.sizeOfImage()));
        p.put("sizeOfHeaders", Hex.of(pe.sizeOfHeaders()));
        p.put("entryPoint", Hex.of(pe.addressOfEntryPoint()));
        p.put("sectionAlignment", Hex.of(pe.sectionAlignment()));
        p.put("fileAlignment", Hex.of(pe.fileAlignment()));
        p.put("imageVersion", pe.majorImageVersion() + "." + pe.minorImageVersion());
        p.put("dllCharacteristics", Hex.of(pe.dllCharacteristics()));
        p.put("relocations", pe.baseRelocationDirectory().isEmpty() ? "none" : pe.baseRelocationDirectory().size() + " bytes");
        p.put("authenticode", authenticode(path, pe, file));
        List<Map<String, Object>> sections = new ArrayList<>();
        for (PeSection s : pe.sections()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", s.name());
            e.put("virtualAddress", Hex.of(s.virtualAddress()));
            e.put("virtualSize", Hex.of(s.virtualSize()));
            e.put("fileOffset", Hex.of(s.pointerToRawData()));
            e.put("fileSize", Hex.of(s.sizeOfRawData()));
            e.put("characteristics", Hex.of(Integer.toUnsignedLong(s.characteristics())));
            sections.add(e);
        }
        p.put("sections", sections);
        m.put("pe", p);
        if (id.format() == ImageFormat.ARM64_LINUX_IMAGE) {
            Arm64ImageHeader h = Arm64ImageHeader.parse(file);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("textOffset", Hex.of(h.textOffset()));
            a.put("imageSize", Hex.of(h.imageSize()));
            a.put("flags", Hex.of(h.flags()));
            a.put("endianness", h.bigEndian() ? "big" : "little");
            a.put("pageSize", h.pageSize() == 0 ? "unspecified" : h.pageSize() / 1024 + "K");
            a.put("primaryEntry", Hex.of(h.primaryEntryOffset()));
            m.put("arm64Image", a);
        }
        if (setup != null) {
            m.put("x86SetupHeader", describe(setup));
        }
        if (id.format() == ImageFormat.UKI) {
            m.put("uki", describeUki(pe, file));
        }
        if (id.format() == ImageFormat.EFI_ZBOOT) {
            efikexec.pe.linux.ZbootHeader z = efikexec.pe.linux.ZbootHeader.parse(file);
            Map<String, Object> zb = new LinkedHashMap<>();
            zb.put("compression", z.compression().displayName());
            zb.put("compressionType", z.compressionType());
            zb.put("payloadOffset", Hex.of(z.payloadOffset()));
            zb.put("payloadSize", Hex.of(z.payloadSize()));
            zb.put("decompressedSize", Hex.of(z.decompressedSize()));
            m.put("zboot", zb);
        }
        return m;
    }

    /**
     * What systemd-stub will find in a UKI: its own version, the text parts, the sizes of the
     * binary ones, and what the embedded kernel is.
     */
    static Map<String, Object> describeUki(PeImage pe, byte[] file) {
        efikexec.pe.uki.UkiSections parts = new efikexec.pe.uki.UkiSections(pe, file);
        Map<String, Object> u = new LinkedHashMap<>();
        long stubEnd = pe.section(".linux").map(PeSection::pointerToRawData).orElse((long) file.length);
        u.put("stub", efikexec.pe.uki.StubVersion.find(file, (int) stubEnd).map(v -> "systemd-stub " + v.text())
                .orElse("unknown"));
        parts.text(".cmdline").ifPresent(t -> u.put("cmdline", t));
        parts.text(".uname").ifPresent(t -> u.put("uname", t));
        parts.text(".osrel").ifPresent(t -> t.lines().filter(l -> l.startsWith("PRETTY_NAME="))
                .findFirst().ifPresent(l -> u.put("osRelease", l.substring(12).replaceAll("^\"|\"$", ""))));
        for (String name : new String[] {".initrd", ".dtb", ".ucode", ".splash"}) {
            parts.bytes(name).ifPresent(b -> u.put(name.substring(1) + "Size", b.length));
        }
        long profiles = pe.sections().stream().filter(s -> s.name().equals(".profile")).count();
        if (profiles > 0) u.put("profiles", profiles);
        byte[] linux = parts.bytes(".linux").orElse(new byte[0]);
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("size", linux.length);
        try {
            IdentifiedImage kid = ImageIdentifier.identify(linux);
            k.put("format", kid.format().name().toLowerCase().replace('_', '-'));
            k.put("arch", kid.arch());
        } catch (efikexec.model.FormatException e) {
            k.put("error", e.describe()); // systemd-stub would refuse it: say why here
        }
        u.put("linux", k);
        return u;
    }

    static Map<String, Object> describe(SetupHeader h) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("version", h.versionString());
        if (!h.kernelVersion().isEmpty()) x.put("kernelVersion", h.kernelVersion());
        x.put("setupSects", h.setupSects());
        x.put("loadflags", h.loadflagNames());
        x.put("xloadflags", h.xloadflagNames());
        x.put("prefAddress", Hex.of(h.prefAddress()));
        x.put("initSize", Hex.of(h.initSize()));
        x.put("kernelAlignment", Hex.of(h.kernelAlignment()));
        x.put("relocatable", h.relocatableKernel());
        x.put("cmdlineSize", Hex.of(h.cmdlineSize()));
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("offset", Hex.of(h.payloadOffset())); // the header field: from the protected-mode code
        payload.put("fileOffset", Hex.of(h.payloadFileOffset()));
        payload.put("length", Hex.of(h.payloadLength()));
        payload.put("compression", h.compression().displayName());
        x.put("payload", payload);
        x.put("handoverOffset", Hex.of(h.handoverOffset()));
        if (h.version() >= SetupHeader.VERSION_KERNEL_INFO) x.put("kernelInfoOffset", Hex.of(h.kernelInfoOffset()));
        return x;
    }

    /**
     * The Authenticode digest and each signature, checked against the image (not against any
     * trusted certificate: that is `run --verify-signature`). A certificate table that cannot be
     * read makes the image malformed, as a broken PE header does.
     */
    static Map<String, Object> authenticode(Path path, PeImage pe, byte[] file) {
        Authenticode a = InputFiles.parse(path, file, f -> Authenticode.read(pe, f));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sha256", a.sha256Hex());
        List<Map<String, Object>> signatures = new ArrayList<>();
        for (AuthenticodeSignature s : a.signatures()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("signer", s.signerSubject() != null ? s.signerSubject() : "unknown (no certificate in the signature)");
            e.put("issuer", s.signerIssuer());
            e.put("serial", s.signerSerialHex());
            e.put("digestAlgorithm", s.digestAlgorithmName());
            e.put("digest", s.embeddedDigestHex());
            e.put("digestMatches", s.digestMatches());
            e.put("signatureVerifies", s.signatureVerifies());
            if (!s.signatureVerifies()) e.put("signatureProblem", s.signatureProblem());
            e.put("fileOffset", Hex.of(s.entry().offset()));
            signatures.add(e);
        }
        m.put("signatures", signatures);
        if (!a.otherEntries().isEmpty()) {
            m.put("otherCertificates", a.otherEntries().stream()
                    .map(c -> String.format("revision 0x%04x type 0x%04x at %s", c.revision(), c.type(), Hex.of(c.offset())))
                    .toList());
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void print(PrintWriter out, Map<String, Object> m, String indent) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getKey().equals("schema")) continue;
            Object v = e.getValue();
            if (v instanceof Map<?, ?> sub) {
                out.println(indent + e.getKey() + ":");
                print(out, (Map<String, Object>) sub, indent + "  ");
            } else if (v instanceof List<?> list && (list.isEmpty() || !(list.get(0) instanceof Map))) {
                // a list of names (flags): one line
                out.println(indent + e.getKey() + ": " + (list.isEmpty() ? "none"
                        : String.join(", ", list.stream().map(String::valueOf).toList())));
            } else if (v instanceof List<?> list && !e.getKey().equals("sections")) {
                // records (signatures): one "- key: value" block each
                out.println(indent + e.getKey() + ":");
                for (Object o : list) {
                    String lead = indent + "  - ";
                    for (Map.Entry<String, Object> f : ((Map<String, Object>) o).entrySet()) {
                        out.println(lead + f.getKey() + ": " + f.getValue());
                        lead = indent + "    ";
                    }
                }
            } else if (v instanceof List<?> list) {
                out.println(indent + e.getKey() + ":");
                for (Object o : list) {
                    Map<String, Object> row = (Map<String, Object>) o;
                    out.printf("%s  %-10s va %-10s vsize %-10s file %-10s +%-10s flags %s%n", indent, row.get("name"),
                            row.get("virtualAddress"), row.get("virtualSize"), row.get("fileOffset"),
                            row.get("fileSize"), row.get("characteristics"));
                }
            } else {
                out.println(indent + e.getKey() + ": " + v);
            }
        }
    }
}
