package efikexec.purgatory.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.purgatory.segment.Segment;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static final List<Segment> SEGMENTS = List.of(
            new Segment(0x4020_0000L, new byte[] {1, 2, 3}, 0x3000),
            new Segment(0x4800_0000L, new byte[0], 0x1000));
    static final StubPlacement STUB = new StubPlacement(0x4130_4000L, 0x234);

    static KernelEntry arm64Entry() {
        Map<String, Long> regs = new HashMap<>();
        regs.put("x10", 0L);
        regs.put("x3", 0L);
        regs.put("x0", 0x4820_0000L);
        regs.put("x2", 0L);
        regs.put("x1", 0L);
        return new KernelEntry(0x4021_0000L, regs);
    }

    @Test
    void theManifestNamesArchEntryKernelRegistersSegmentsAndStub() throws Exception {
        Map<String, Object> m = Manifest.of(TargetArch.AARCH64, SEGMENTS, STUB, arm64Entry());
        assertThat(m.keySet()).containsExactly("schema", "arch", "entry", "kernelEntry", "segments", "stub");
        assertThat(m).containsEntry("schema", "efikexec.handoff/1")
                .containsEntry("arch", "aarch64")
                .containsEntry("entry", "0x41304000");
        @SuppressWarnings("unchecked")
        Map<String, Object> k = (Map<String, Object>) m.get("kernelEntry");
        assertThat(k).containsEntry("pc", "0x40210000");
        @SuppressWarnings("unchecked")
        Map<String, Object> regs = (Map<String, Object>) k.get("registers");
        assertThat(regs.keySet()).containsExactly("x0", "x1", "x2", "x3", "x10");
        assertThat(regs).containsEntry("x0", "0x48200000").containsEntry("x1", "0x0");

        // over the stored bytes only: the stub reads the zero fill as zeros
        String firstSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3}));
        String secondSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
        assertThat(m.get("segments")).isEqualTo(List.of(
                Map.of("mem", "0x40200000", "memsz", "0x3000", "bufsz", 3L, "sha256", firstSha),
                Map.of("mem", "0x48000000", "memsz", "0x1000", "bufsz", 0L, "sha256", secondSha)));
        assertThat(m.get("stub")).isEqualTo(Map.of("address", "0x41304000", "size", 0x234L));
    }

    @Test
    void segmentFieldsComeInTheSchemaOrder() {
        Map<String, Object> m = Manifest.of(TargetArch.X86_64, SEGMENTS, STUB,
                new KernelEntry(0x100_0200L, Map.of("rsi", 0x1_0000L)));
        assertThat(m).containsEntry("arch", "x86_64");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> segments = (List<Map<String, Object>>) m.get("segments");
        assertThat(segments.get(0).keySet()).containsExactly("mem", "memsz", "bufsz", "sha256");
    }

    @Test
    void givenDigestsAreUsedAsGivenAndMustMatchTheSegments() {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) 0xab);
        Map<String, Object> m = Manifest.of(TargetArch.AARCH64, SEGMENTS, List.of(a, b), STUB, arm64Entry());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> segments = (List<Map<String, Object>>) m.get("segments");
        assertThat(segments).extracting(s -> s.get("sha256")).containsExactly("00".repeat(32), "ab".repeat(32));
        assertThatThrownBy(() -> Manifest.of(TargetArch.AARCH64, SEGMENTS, List.of(a), STUB, arm64Entry()))
                .hasMessage("1 digests for 2 segments");
    }

    @Test
    void theManifestHoldsOnlyValuesAJsonWriterTakesAndTheSameInputsGiveEqualMaps() {
        Map<String, Object> m = Manifest.of(TargetArch.AARCH64, SEGMENTS, STUB, arm64Entry());
        assertJsonValue(m);
        assertThat(Manifest.of(TargetArch.AARCH64, SEGMENTS, STUB, arm64Entry()).toString()).isEqualTo(m.toString());
    }

    @Test
    void registersAreOrderedByNameWithNumbersAsNumbers() {
        assertThat(List.of("x10", "sp", "x9", "x1", "pc", "x0").stream().sorted(Manifest::registerOrder))
                .containsExactly("pc", "sp", "x0", "x1", "x9", "x10");
    }

    /** What efikexec.cli.report.JsonText writes: maps with string keys, lists, strings, Long, Integer. */
    static void assertJsonValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> {
                assertThat(k).isInstanceOf(String.class);
                assertJsonValue(x);
            });
        } else if (v instanceof List<?> l) {
            l.forEach(ManifestTest::assertJsonValue);
        } else {
            assertThat(v).isInstanceOfAny(String.class, Long.class, Integer.class);
        }
    }
}
