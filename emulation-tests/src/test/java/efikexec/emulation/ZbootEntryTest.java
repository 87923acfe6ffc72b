package efikexec.emulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.linux.Arm64ImageHeader;
import efikexec.pe.linux.ZbootHeader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An arm64 EFI zboot kernel (scripts/zboot-kernel) run to kernel entry on QEMU virt's DTB: the
 * zboot PE installs a LoadFile2 protocol on a device path of its own, calls LoadImage on that path
 * (the firmware asks LoadFile2, which decompresses the Image into the buffer) and StartImage; the
 * Image's own stub then exits boot services and jumps to primary_entry. The run must stop there,
 * in the child image, not in the zboot PE that was started first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZbootEntryTest {
    static final String CMDLINE = "console=ttyAMA0 nokaslr";
    /** LINUX_EFI_ZBOOT_MEDIA_GUID: the vendor media node zboot appends to name the decompressed Image. */
    private static final String ZBOOT_MEDIA_GUID = "e565a30d-47da-4dbd-b354-9bb5c84f8be2";
    /** arm64 SEGMENT_ALIGN: the stub runs the Image in place only on this boundary. */
    private static final long SEGMENT_ALIGN = 0x10000;

    Path dir;
    Path zboot;
    PeImage zbootPe;
    /** The Image inside the zboot payload, decompressed here to know where its entry lies. */
    byte[] image;
    Arm64ImageHeader imageHeader;
    CliRun run;
    JsonNode report;
    List<JsonNode> trace;

    @BeforeAll
    void runOnce(@TempDir Path tmp) throws IOException {
        dir = tmp;
        zboot = Fixtures.zbootKernel();
        Path dtb = Fixtures.qemuVirtDtb();
        byte[] file = Fixtures.read(zboot);
        zbootPe = PeParser.parse(file);
        ZbootHeader h = ZbootHeader.parse(file);
        try (InputStream in = new GZIPInputStream(
                new ByteArrayInputStream(file, (int) h.payloadOffset(), (int) h.payloadSize()))) {
            image = in.readAllBytes();
        }
        imageHeader = Arm64ImageHeader.parse(image);

        run = CliRun.of("run", zboot.toString(), "--dtb", dtb.toString(), "--cmdline", CMDLINE, "--until", "entry",
                "--report", dir.resolve("report.json").toString(), "--trace", dir.resolve("trace.jsonl").toString(),
                "--serial", dir.resolve("serial.txt").toString(), "--quiet");
        Path r = dir.resolve("report.json");
        report = Files.exists(r) ? CliRun.json(r) : null;
        trace = new ArrayList<>();
        Path t = dir.resolve("trace.jsonl");
        if (Files.exists(t)) for (String l : Files.readAllLines(t)) trace.add(CliRun.json(l));
    }

    private JsonNode report() {
        assertNotNull(report, () -> "no report written\n" + run.describe());
        return report;
    }

    private JsonNode call(String name) {
        return trace.stream().filter(c -> c.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in the trace: " + trace));
    }

    @Test
    void reachesKernelEntry() {
        JsonNode r = report();
        assertEquals("kernel-entry", r.path("outcome").asText(), () -> run.describe() + r.toPrettyString());
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("efi-zboot", r.path("image").path("format").asText());
        assertEquals("aarch64", r.path("image").path("arch").asText());
        assertTrue(r.path("fault").isNull(), () -> "fault: " + r.path("fault"));
    }

    @Test
    void zbootLoadsAndStartsTheDecompressedImage() throws IOException {
        String console = report().path("console").asText();
        // 6.1's zboot prints nothing on success ("EFI decompressor: …" only on errors); the child's
        // stub is what boots and exits
        assertThat(console).doesNotContain("EFI decompressor:");
        assertThat(console).contains("EFI stub: Booting Linux Kernel...");
        assertThat(console.indexOf("EFI stub: Exiting boot services..."))
                .isGreaterThan(console.indexOf("EFI stub: Booting Linux Kernel..."));
        assertEquals(console, Files.readString(dir.resolve("serial.txt")));

        List<String> names = trace.stream().map(c -> c.path("name").asText()).toList();
        assertThat(names).containsSubsequence("InstallMultipleProtocolInterfaces", "LoadImage", "StartImage",
                "ExitBootServices");
        // LoadImage(FALSE, ImageHandle, <zboot's own device path>/VenMedia(ZBOOT_MEDIA), NULL, 0, &h):
        // the bytes come from the LoadFile2 the zboot PE installed, which decompresses the payload
        JsonNode load = call("LoadImage");
        assertEquals("SUCCESS", load.path("status").asText(), load::toString);
        assertNotEquals("0x0", load.path("args").get(2).asText(), "loaded from a device path");
        assertEquals("0x0", load.path("args").get(3).asText(), "no source buffer");
        assertThat(call("InstallMultipleProtocolInterfaces").path("note").asText()).contains("LOAD_FILE2_PROTOCOL");
        assertThat(call("StartImage").path("note").asText()).contains(ZBOOT_MEDIA_GUID);
    }

    @Test
    void inspectShowsThePayload() {
        for (Object[] c : new Object[][] {{Fixtures.zbootKernel(), "gzip"}, {Fixtures.zbootKernelZstd(), "zstd"}}) {
            CliRun r = CliRun.of("inspect", c[0].toString(), "--json");
            assertEquals(0, r.exitCode(), r::describe);
            JsonNode j = CliRun.json(r.out());
            assertEquals("efi-zboot", j.path("format").asText());
            JsonNode z = j.path("zboot");
            assertEquals(c[1], z.path("compression").asText());
            long offset = CliRun.hex(z.path("payloadOffset")), size = CliRun.hex(z.path("payloadSize"));
            assertThat(offset).isPositive();
            assertThat(offset + size).isLessThanOrEqualTo(j.path("size").asLong());
            assertThat(CliRun.hex(z.path("decompressedSize"))).isGreaterThan(size);
        }
    }

    /** The zstd-compressed image decompresses to the same Image and enters it at the same place. */
    @Test
    void theZstdImageReachesTheSameEntry(@TempDir Path tmp) {
        Path report = tmp.resolve("zstd.json");
        CliRun r = CliRun.of("run", Fixtures.zbootKernelZstd().toString(), "--dtb", Fixtures.qemuVirtDtb().toString(),
                "--cmdline", CMDLINE, "--report", report.toString());
        assertEquals(0, r.exitCode(), r::describe);
        JsonNode z = CliRun.json(report);
        assertEquals("kernel-entry", z.path("outcome").asText());
        assertEquals(report().path("kernelEntry").path("pc").asText(), z.path("kernelEntry").path("pc").asText());
        assertEquals(report().path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText(),
                z.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
    }

    @Test
    void entryPcIsPrimaryEntryOfTheDecompressedImage() {
        JsonNode r = report();
        assertEquals("kernel-entry", r.path("outcome").asText(), r::toPrettyString);
        long pc = CliRun.hex(r.path("kernelEntry").path("pc"));
        long zbootBase = CliRun.hex(r.path("image").path("loadAddress"));
        assertThat(pc >= zbootBase && pc < zbootBase + zbootPe.sizeOfImage())
                .as("pc 0x%x in the zboot PE at 0x%x", pc, zbootBase).isFalse();
        // the Image's own stub runs it in place when LoadImage put it on a 64 KiB boundary, else
        // moves it: either way the kernel starts at primary_entry of an Image-sized range of
        // LoaderCode that is not the zboot PE's
        long base = pc - imageHeader.primaryEntryOffset();
        assertEquals(0, base % SEGMENT_ALIGN, String.format("Image base 0x%x (pc 0x%x)", base, pc));
        int covering = 0;
        for (JsonNode d : r.path("memoryMap")) {
            long start = CliRun.hex(d.path("start"));
            long end = start + d.path("pages").asLong() * 4096;
            if (d.path("type").asText().equals("EfiLoaderCode") && start <= base && base + imageHeader.imageSize() <= end) {
                covering++;
                assertThat(start <= zbootBase && zbootBase < end).as("the zboot PE's own LoaderCode").isFalse();
            }
        }
        assertEquals(1, covering, "one EfiLoaderCode descriptor holds the decompressed Image with its BSS");
        long x0 = CliRun.hex(r.path("kernelEntry").path("registers").path("x0"));
        assertEquals(x0, CliRun.hex(r.path("kernelEntry").path("fdt").path("address")), "x0 = the FDT");
        assertEquals(CMDLINE, r.path("kernelEntry").path("fdt").path("chosen").path("bootargs").asText());
    }
}
