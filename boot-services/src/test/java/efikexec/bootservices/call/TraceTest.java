package efikexec.bootservices.call;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ServiceRegistry.invoke appends one ServiceCall per guest call: name, arguments, result. */
class TraceTest {
    final Payload p = Payload.start();

    @Test
    void eachCallAppendsOneRecordWithNameArgsAndResult() {
        int before = p.trace().size();
        long out = p.cell();
        p.boot("AllocatePool", MemoryType.LOADER_DATA.value(), 123, out);
        assertThat(p.trace()).hasSize(before + 1);
        ServiceCall c = p.lastCall();
        assertThat(c.name()).isEqualTo("AllocatePool");
        assertThat(c.args()).as("args as the guest passed them, as many as the prototype has").containsExactly(
                MemoryType.LOADER_DATA.value(), 123, out);
        assertThat(c.result()).isEqualTo(EfiStatus.SUCCESS.code());
        assertThat(c.implemented()).isTrue();
        assertThat(c.sequence()).isEqualTo(before + 1);
    }

    @Test
    void failuresAreTracedWithTheirStatus() {
        p.boot("FreePool", 0x1234);
        assertThat(p.lastCall().name()).isEqualTo("FreePool");
        assertThat(p.lastCall().result()).isEqualTo(EfiStatus.INVALID_PARAMETER.code());
        assertThat(p.lastCall().args()).containsExactly(0x1234L);
    }

    @Test
    void protocolCallsNoteTheGuidName() {
        p.boot("LocateProtocol", p.guid(KnownGuids.RNG), 0, p.cell());
        assertThat(p.lastCall().note()).isEqualTo("RNG_PROTOCOL");
        p.boot("GetMemoryMap", p.cell(0), 0, p.cell(), p.cell(), p.cell());
        assertThat(p.lastCall().note()).as("a note leaked into the next call's record").isNull();
    }

    @Test
    void sequenceNumbersIncreaseAndTheListenerSeesEveryCall() {
        List<ServiceCall> heard = new ArrayList<>();
        p.fw.registry().onCall(heard::add);
        p.boot("Stall", 1);
        p.boot("Stall", 2);
        p.runtime("GetTime", p.scratch(16), 0);
        assertThat(heard).extracting(ServiceCall::name).containsExactly("Stall", "Stall", "GetTime");
        assertThat(heard.get(1).sequence()).isEqualTo(heard.get(0).sequence() + 1);
        assertThat(heard.get(1).args()).containsExactly(2L);
    }

    @Test
    void anAddressThatIsNoThunkIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.invoke(p.systemTable(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
