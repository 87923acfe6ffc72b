package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.call.ServiceCall;
import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slots the firmware does not implement: each has its own thunk, returns EFI_UNSUPPORTED, and shows in the trace. */
class UnsupportedSlotsTest {
    static final List<String> UNIMPLEMENTED = List.of("ConnectController", "DisconnectController", "SetTimer", "WaitForEvent",
            "SignalEvent", "RegisterProtocolNotify", "OpenProtocolInformation",
            "Reserved");

    final Payload p = Payload.start();

    @Test
    void connectControllerIsUnsupportedAndTracedAsUnimplemented() {
        assertThat(p.boot("ConnectController", 1, 2, 3, 4)).as("ConnectController did not return EFI_UNSUPPORTED")
                .isEqualTo(EfiStatus.UNSUPPORTED);
        ServiceCall c = p.lastCall();
        assertThat(c.name()).isEqualTo("ConnectController");
        assertThat(c.implemented()).as("the trace does not mark ConnectController unimplemented").isFalse();
        assertThat(c.result()).isEqualTo(EfiStatus.UNSUPPORTED.code());
    }

    @Test
    void everyUnimplementedSlotAnswersUnsupported() {
        for (String slot : UNIMPLEMENTED) {
            assertThat(p.boot(slot)).as("%s did not return EFI_UNSUPPORTED", slot).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.lastCall().name()).isEqualTo(slot);
            assertThat(p.lastCall().implemented()).as("%s traced as implemented", slot).isFalse();
        }
    }

    @Test
    void unimplementedRuntimeSlotsToo() {
        for (String slot : List.of("SetTime", "GetWakeupTime", "SetWakeupTime", "SetVirtualAddressMap", "ConvertPointer",
                "GetNextHighMonotonicCount", "UpdateCapsule", "QueryCapsuleCapabilities", "QueryVariableInfo")) {
            assertThat(p.runtime(slot)).as("RuntimeServices->%s did not return EFI_UNSUPPORTED", slot).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.lastCall().implemented()).isFalse();
        }
    }

    @Test
    void theLinuxStubsServicesAreAllImplemented() {
        // EFI-NOTES: "Services the Linux stub and systemd-stub actually use".
        for (String slot : List.of("AllocatePages", "FreePages", "GetMemoryMap", "AllocatePool", "FreePool", "CreateEvent",
                "HandleProtocol", "LocateHandle", "LocateDevicePath", "InstallConfigurationTable", "Exit", "ExitBootServices",
                "Stall", "SetWatchdogTimer", "OpenProtocol", "CloseProtocol", "LocateHandleBuffer", "LocateProtocol",
                "InstallMultipleProtocolInterfaces", "UninstallMultipleProtocolInterfaces", "CalculateCrc32", "CopyMem",
                "SetMem")) {
            assertThat(p.fw.registry().at(p.bootFunction(slot)).implemented()).as("%s is not implemented", slot).isTrue();
        }
    }
}
