package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GetVariable, SetVariable, GetNextVariableName through gRT (UEFI 2.10, 8.2), before ExitBootServices. */
class VariableTest {
    static final long NV = 1, BS = 2, RT = 4;
    static final Guid V0 = Guid.parse("00000000-aaaa-bbbb-cccc-000000000000");
    static final Guid V1 = Guid.parse("11111111-aaaa-bbbb-cccc-000000000000");

    final Payload p = Payload.start();

    EfiStatus set(String name, Guid vendor, long attrs, byte[] data) {
        return p.runtime("SetVariable", p.ucs2(name), p.guid(vendor), attrs, data.length, data.length == 0 ? 0 : p.bytes(data));
    }

    @Test
    void unknownVariablesAreNotFound() {
        for (String name : new String[] {"SecureBoot", "SetupMode", "MokSBState"}) {
            long size = p.cell(64);
            assertThat(p.runtime("GetVariable", p.ucs2(name), p.guid(KnownGuids.EFI_GLOBAL_VARIABLE), 0, size, p.scratch(64)))
                    .as("GetVariable(%s) did not return EFI_NOT_FOUND", name).isEqualTo(EfiStatus.NOT_FOUND);
        }
    }

    @Test
    void setThenGetWithTheSizeProbe() {
        byte[] data = {1, 2, 3, 4, 5};
        assertThat(set("Test", V1, NV | BS | RT, data)).as("SetVariable did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long name = p.ucs2("Test"), vendor = p.guid(V1), attrs = p.cell(), size = p.cell(0);
        assertThat(p.runtime("GetVariable", name, vendor, attrs, size, 0))
                .as("GetVariable with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(p.u64(size)).as("GetVariable did not report the data size").isEqualTo(5);
        long buf = p.scratch(5);
        assertThat(p.runtime("GetVariable", name, vendor, attrs, size, buf))
                .as("GetVariable did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.mem.read(buf, 5)).isEqualTo(data);
        assertThat(p.mem.readU32(attrs)).isEqualTo(NV | BS | RT);
        assertThat(p.runtime("GetVariable", name, p.guid(V0), attrs, p.cell(8), buf))
                .as("GetVariable under another vendor GUID did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void sizesAreUnsignedUintns() {
        set("Big", V0, BS, new byte[] {7, 8});
        long size = p.cell(-1L), buf = p.scratch(16); // "the buffer is as large as can be"
        assertThat(p.runtime("GetVariable", p.ucs2("Big"), p.guid(V0), 0, size, buf))
                .as("GetVariable with DataSize 0xffffffffffffffff did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.u64(size)).isEqualTo(2);
        long name = p.scratch(64), vendor = p.scratch(16);
        assertThat(p.runtime("GetNextVariableName", p.cell(-1L), name, vendor))
                .as("GetNextVariableName with VariableNameSize 0xffffffffffffffff did not return EFI_SUCCESS")
                .isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.mem.readUcs2(name, 16)).isEqualTo("Big");
    }

    @Test
    void setReplacesTheData() {
        set("X", V0, BS, new byte[] {1});
        set("X", V0, BS, new byte[] {2, 2});
        long size = p.cell(16), buf = p.scratch(16);
        assertThat(p.runtime("GetVariable", p.ucs2("X"), p.guid(V0), 0, size, buf)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.mem.read(buf, (int) p.u64(size))).containsExactly(2, 2);
    }

    @Test
    void getNextVariableNameWalksInOrder() {
        set("B", V1, BS, new byte[] {1});
        set("A", V1, BS, new byte[] {1});
        set("C", V0, BS, new byte[] {1});
        long name = p.scratch(512), vendor = p.scratch(16);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long size = p.cell(512);
            EfiStatus s = p.runtime("GetNextVariableName", size, name, vendor);
            if (s == EfiStatus.NOT_FOUND) break;
            assertThat(s).as("GetNextVariableName did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            seen.add(Guid.fromBytes(p.mem.read(vendor, 16), 0) + "/" + p.mem.readUcs2(name, 256));
        }
        assertThat(seen).as("GetNextVariableName did not walk every variable once, sorted by vendor and name")
                .containsExactly(V0 + "/C", V1 + "/A", V1 + "/B");
    }

    @Test
    void getNextVariableNameReportsTheSizeItNeeds() {
        set("LongName", V0, BS, new byte[] {1});
        long name = p.scratch(64), vendor = p.scratch(16), size = p.cell(2);
        assertThat(p.runtime("GetNextVariableName", size, name, vendor))
                .as("GetNextVariableName with a small buffer did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(p.u64(size)).isEqualTo(2 * ("LongName".length() + 1));
        assertThat(p.mem.readU16(name)).as("the name buffer changed on EFI_BUFFER_TOO_SMALL").isZero();
    }

    @Test
    void getNextVariableNameOfAnEmptyStoreIsNotFoundAndOfAnUnknownNameInvalid() {
        long name = p.scratch(64), vendor = p.scratch(16);
        assertThat(p.runtime("GetNextVariableName", p.cell(64), name, vendor)).isEqualTo(EfiStatus.NOT_FOUND);
        p.mem.writeUcs2(name, "Nope");
        assertThat(p.runtime("GetNextVariableName", p.cell(64), name, vendor))
                .as("GetNextVariableName after a name that is no variable did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void deleteBySizeZero() {
        set("Gone", V1, BS | RT, new byte[] {9});
        assertThat(set("Gone", V1, BS | RT, new byte[0])).as("SetVariable with size 0 did not return EFI_SUCCESS")
                .isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.runtime("GetVariable", p.ucs2("Gone"), p.guid(V1), 0, p.cell(8), p.scratch(8)))
                .as("GetVariable of a deleted variable did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(set("Gone", V1, BS | RT, new byte[0])).as("deleting a missing variable did not return EFI_NOT_FOUND")
                .isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void runtimeAccessWithoutBootServiceAccessIsInvalid() {
        assertThat(set("R", V0, RT, new byte[] {1})).as("SetVariable RT without BS did not return EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.runtime("SetVariable", p.ucs2(""), p.guid(V0), BS, 1, p.bytes(new byte[] {1})))
                .as("SetVariable with an empty name did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
    }
}
