package efikexec.emulation;

import static efikexec.emulation.Arm64Asm.FP;
import static efikexec.emulation.Arm64Asm.LR;
import static efikexec.emulation.Arm64Asm.SP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import efikexec.model.table.BootServicesLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoadImage + StartImage of a child image, as systemd-stub and zboot start the kernel: a tiny
 * arm64 parent embeds a child, loads and starts it, and returns what StartImage returned.
 */
class StartImageTest {
    private static final int HANDLE = 19, BS = 21;
    private static final int ST_BOOT_SERVICES = 0x60;

    @TempDir
    Path dir;

    /**
     * LoadImage(FALSE, ImageHandle, NULL, child, size, &h); status = StartImage(h, NULL, NULL);
     * then a marker in x20 (the caller's callee-saved register must survive the child) and
     * return status + 0 (or the LoadImage error).
     */
    private static byte[] parent(byte[] child) {
        Arm64Asm.Program p = new Arm64Asm.Program()
                .emit(Arm64Asm.stpPre(FP, LR, SP, -48), Arm64Asm.add(FP, SP, 0))
                .emit(Arm64Asm.str(HANDLE, SP, 16), Arm64Asm.str(20, SP, 24), Arm64Asm.str(BS, SP, 32))
                .emit(Arm64Asm.mov(HANDLE, 0), Arm64Asm.ldr(BS, 1, ST_BOOT_SERVICES))
                .mov64(20, 0x5eed)
                .emit(Arm64Asm.movz(0, 0), Arm64Asm.mov(1, HANDLE), Arm64Asm.movz(2, 0))
                .adr(3, "child").mov64(4, child.length).adr(5, "childHandle")
                .call(BS, BootServicesLayout.offset("LoadImage"))
                .cbnz(0, "out")
                .adr(9, "childHandle").emit(Arm64Asm.ldr(0, 9, 0), Arm64Asm.movz(1, 0), Arm64Asm.movz(2, 0))
                .call(BS, BootServicesLayout.offset("StartImage"))
                .label("out")
                .emit(Arm64Asm.mov(21, 20)) // x21 = the marker, for the register dump
                .emit(Arm64Asm.ldr(HANDLE, SP, 16), Arm64Asm.ldr(20, SP, 24), Arm64Asm.ldpPost(FP, LR, SP, 48),
                        Arm64Asm.RET)
                .zeros("childHandle", 8)
                .data("child", child);
        return TinyEfiApp.build(p.assemble());
    }

    private JsonNode run(String name, byte[] image, List<String> trace) throws Exception {
        Path f = Files.write(dir.resolve(name + ".efi"), image);
        Path r = dir.resolve(name + ".json"), t = dir.resolve(name + ".jsonl");
        CliRun cli = CliRun.of("run", f.toString(), "--ram", "0x40000000:256M", "--report", r.toString(), "--trace",
                t.toString());
        assertEquals(3, cli.exitCode(), cli::describe); // the parent returns: image-returned
        for (String l : Files.readAllLines(t)) trace.add(CliRun.json(l).path("name").asText());
        return CliRun.json(r);
    }

    @Test
    void aChildThatReturnsGivesItsStatusToStartImage() throws Exception {
        byte[] child = TinyEfiApp.build(new Arm64Asm.Program().mov64(0, 0x8000_0000_0000_0015L).emit(Arm64Asm.RET)
                .assemble());
        List<String> trace = new ArrayList<>();
        JsonNode r = run("returns", parent(child), trace);
        assertEquals("image-returned", r.path("outcome").asText());
        assertThat(r.path("fault").path("message").asText()).as("the parent returns the child's ABORTED")
                .contains("ABORTED");
        assertEquals("0x5eed", r.path("fault").path("registers").path("x21").asText(), "the caller's x20 survived");
        assertThat(trace).containsSubsequence("LoadImage", "StartImage");
    }

    @Test
    void aChildThatCallsExitReturnsToItsParent() throws Exception {
        // Exit(ImageHandle, 0x8000000000000001 LOAD_ERROR, 0, NULL); udf (never reached)
        byte[] child = TinyEfiApp.build(new Arm64Asm.Program()
                .emit(Arm64Asm.ldr(16, 1, ST_BOOT_SERVICES))
                .emit(Arm64Asm.ldr(16, 16, BootServicesLayout.offset("Exit")))
                .mov64(1, 0x8000_0000_0000_0001L).emit(Arm64Asm.movz(2, 0), Arm64Asm.movz(3, 0))
                .emit(Arm64Asm.blr(16), Arm64Asm.udf(0)).assemble());
        List<String> trace = new ArrayList<>();
        JsonNode r = run("exits", parent(child), trace);
        assertEquals("image-returned", r.path("outcome").asText(), r::toPrettyString);
        assertThat(r.path("fault").path("message").asText()).contains("LOAD_ERROR").contains("returned to the firmware");
        assertEquals("0x5eed", r.path("fault").path("registers").path("x21").asText());
        assertThat(trace).containsSubsequence("LoadImage", "StartImage", "Exit");
    }
}
