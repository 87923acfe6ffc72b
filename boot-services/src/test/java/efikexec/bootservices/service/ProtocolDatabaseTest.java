package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.devicepath.DevicePath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The protocol handler services (UEFI 2.10, 7.3), through gBS as a payload calls them. */
class ProtocolDatabaseTest {
    static final Guid PROTO_A = Guid.parse("11111111-2222-3333-4444-555555555555");
    static final Guid PROTO_B = Guid.parse("66666666-7777-8888-9999-aaaaaaaaaaaa");
    static final Guid PROTO_NONE = Guid.parse("deadbeef-0000-0000-0000-000000000000");
    static final int NATIVE = 0;
    static final int ALL_HANDLES = 0, BY_REGISTER_NOTIFY = 1, BY_PROTOCOL = 2;
    static final long BY_HANDLE_PROTOCOL = 0x01, GET_PROTOCOL = 0x02, TEST_PROTOCOL = 0x04;

    final Payload p = Payload.start();
    final long a = p.guid(PROTO_A), b = p.guid(PROTO_B), none = p.guid(PROTO_NONE);
    final long ifaceA = p.scratch(16), ifaceB = p.scratch(16);

    long install(long handle, long guid, long iface) {
        long h = p.cell(handle);
        assertThat(p.boot("InstallProtocolInterface", h, guid, NATIVE, iface))
                .as("InstallProtocolInterface did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        return p.u64(h);
    }

    /** HandleProtocol's answer, or -1 when it failed. */
    long handleProtocol(long handle, long guid) {
        long out = p.cell(0x5555);
        return p.boot("HandleProtocol", handle, guid, out) == EfiStatus.SUCCESS ? p.u64(out) : -1;
    }

    List<Long> locateHandle(int type, long guid) {
        long size = p.cell(0);
        EfiStatus s = p.boot("LocateHandle", type, guid, 0, size, 0);
        if (s == EfiStatus.NOT_FOUND) return List.of();
        assertThat(s).as("LocateHandle with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        long buf = p.pool(p.u64(size));
        assertThat(p.boot("LocateHandle", type, guid, 0, size, buf)).isEqualTo(EfiStatus.SUCCESS);
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < p.u64(size) / 8; i++) out.add(p.u64(buf + 8 * i));
        return out;
    }

    @Nested
    class Install {
        @Test
        void onANullHandleCreatesAHandle() {
            long h = install(0, a, ifaceA);
            assertThat(h).as("InstallProtocolInterface did not write the new handle").isNotZero();
            assertThat(handleProtocol(h, a)).isEqualTo(ifaceA);
            assertThat(p.fw.memoryMap().find(h)).as("a handle is not a guest address").isNotNull();
        }

        @Test
        void onAnExistingHandleAddsAProtocol() {
            long h = install(0, a, ifaceA);
            assertThat(install(h, b, ifaceB)).as("the handle changed").isEqualTo(h);
            assertThat(handleProtocol(h, a)).isEqualTo(ifaceA);
            assertThat(handleProtocol(h, b)).isEqualTo(ifaceB);
        }

        @Test
        void duplicateProtocolIsInvalidParameter() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("InstallProtocolInterface", p.cell(h), a, NATIVE, ifaceB))
                    .as("installing a protocol twice on a handle did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(handleProtocol(h, a)).as("the first interface was replaced").isEqualTo(ifaceA);
        }

        @Test
        void forgedHandleNonNativeTypeOrNullArgumentsAreInvalidParameter() {
            assertThat(p.boot("InstallProtocolInterface", p.cell(p.scratch(16)), a, NATIVE, ifaceA))
                    .as("InstallProtocolInterface on a forged handle did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("InstallProtocolInterface", p.cell(), a, 1, ifaceA))
                    .as("InstallProtocolInterface of a non-native interface did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("InstallProtocolInterface", 0, a, NATIVE, ifaceA)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("InstallProtocolInterface", p.cell(), 0, NATIVE, ifaceA)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void multipleOnANewHandle() {
            long h = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, a, ifaceA, b, ifaceB, 0))
                    .as("InstallMultipleProtocolInterfaces did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(h)).isNotZero();
            assertThat(handleProtocol(p.u64(h), a)).isEqualTo(ifaceA);
            assertThat(handleProtocol(p.u64(h), b)).isEqualTo(ifaceB);
        }

        @Test
        void multipleOnAnExistingHandle() {
            long h = install(0, a, ifaceA);
            long cell = p.cell(h);
            assertThat(p.boot("InstallMultipleProtocolInterfaces", cell, b, ifaceB, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(cell)).isEqualTo(h);
            assertThat(handleProtocol(h, b)).isEqualTo(ifaceB);
        }

        @Test
        void multipleWithADuplicateProtocolInstallsNothing() {
            long h = p.cell();
            int before = p.fw.handles().allHandles().size();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, a, ifaceA, b, ifaceB, a, ifaceA, 0))
                    .as("InstallMultipleProtocolInterfaces with a protocol twice did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.u64(h)).as("a failed InstallMultipleProtocolInterfaces wrote a handle").isZero();
            assertThat(locateHandle(BY_PROTOCOL, a)).as("a failed InstallMultipleProtocolInterfaces left protocols behind").isEmpty();
            assertThat(p.fw.handles().allHandles()).hasSize(before);
        }

        @Test
        void multipleOnAnExistingHandleWithAProtocolItHasIsInvalidParameterAndRollsBack() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("InstallMultipleProtocolInterfaces", p.cell(h), b, ifaceB, a, ifaceB, 0))
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(handleProtocol(h, b)).as("the protocol installed before the failure was not rolled back").isEqualTo(-1);
            assertThat(handleProtocol(h, a)).isEqualTo(ifaceA);
        }

        @Test
        void multipleWithNoPairsCreatesNoHandle() {
            // edk2: the loop ends at the first NULL GUID, SUCCESS, *Handle untouched.
            long h = p.cell();
            int before = p.fw.handles().allHandles().size();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(h)).as("InstallMultipleProtocolInterfaces with no protocols wrote a handle").isZero();
            assertThat(p.fw.handles().allHandles()).as("an empty handle was left in the database").hasSize(before);
        }

        @Test
        void multipleWithADevicePathAlreadyInstalledIsAlreadyStarted() {
            long dp = p.devicePath(DevicePath.EMPTY.vendorHardware(PROTO_A).filePath("\\x"));
            long dp2 = p.devicePath(DevicePath.EMPTY.vendorHardware(PROTO_A).filePath("\\x")); // same path, other copy
            long h1 = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h1, p.guid(KnownGuids.DEVICE_PATH), dp, a, ifaceA, 0))
                    .isEqualTo(EfiStatus.SUCCESS);
            long h2 = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h2, p.guid(KnownGuids.DEVICE_PATH), dp2, b, ifaceB, 0))
                    .as("installing a device path that is already installed did not return EFI_ALREADY_STARTED")
                    .isEqualTo(EfiStatus.ALREADY_STARTED);
            assertThat(p.u64(h2)).isZero();
            assertThat(locateHandle(BY_PROTOCOL, b)).isEmpty();
        }

        @Test
        void multipleWithAPrefixOfAnInstalledDevicePathIsFine() {
            long h1 = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h1, p.guid(KnownGuids.DEVICE_PATH),
                    p.devicePath(DevicePath.EMPTY.vendorHardware(PROTO_A).filePath("\\x")), 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("InstallMultipleProtocolInterfaces", p.cell(), p.guid(KnownGuids.DEVICE_PATH),
                    p.devicePath(DevicePath.EMPTY.vendorHardware(PROTO_A)), 0))
                    .as("a device path that is only a prefix of an installed one was refused").isEqualTo(EfiStatus.SUCCESS);
        }
    }

    @Nested
    class HandleAndOpenProtocol {
        @Test
        void forgedHandleIsInvalidParameter() {
            long forged = p.scratch(16);
            assertThat(p.boot("HandleProtocol", forged, a, p.cell()))
                    .as("HandleProtocol on a forged handle did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("OpenProtocol", forged, a, p.cell(), p.image.handle(), 0, GET_PROTOCOL))
                    .as("OpenProtocol on a forged handle did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("HandleProtocol", 0, a, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void missingProtocolIsUnsupported() {
            long h = install(0, a, ifaceA);
            long out = p.cell(0x1234);
            assertThat(p.boot("HandleProtocol", h, none, out))
                    .as("HandleProtocol of a protocol the handle lacks did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
            out = p.cell(0x1234);
            assertThat(p.boot("OpenProtocol", h, none, out, p.image.handle(), 0, GET_PROTOCOL))
                    .as("OpenProtocol of a protocol the handle lacks did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.u64(out)).as("OpenProtocol did not set *Interface to NULL on failure").isZero();
        }

        @Test
        void nullInterfaceOrGuidIsInvalidParameter() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("HandleProtocol", h, a, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("HandleProtocol", h, 0, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("OpenProtocol", h, a, 0, p.image.handle(), 0, GET_PROTOCOL))
                    .as("OpenProtocol with Interface NULL (not TEST_PROTOCOL) did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void openProtocolGivesTheInterface() {
            long h = install(0, a, ifaceA);
            long out = p.cell();
            assertThat(p.boot("OpenProtocol", h, a, out, p.image.handle(), 0, GET_PROTOCOL)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(out)).isEqualTo(ifaceA);
            assertThat(p.boot("OpenProtocol", h, a, 0, p.image.handle(), 0, TEST_PROTOCOL))
                    .as("OpenProtocol TEST_PROTOCOL of an installed protocol did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("OpenProtocol", h, none, 0, p.image.handle(), 0, TEST_PROTOCOL))
                    .as("OpenProtocol TEST_PROTOCOL of a missing protocol did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
        }

        @Test
        void theImageHandleCarriesLoadedImage() {
            long li = handleProtocol(p.image.handle(), p.guid(KnownGuids.LOADED_IMAGE));
            assertThat(li).isEqualTo(p.image.loadedImageProtocol());
            assertThat(p.u64(li + 0x40)).as("LoadedImage.ImageBase").isEqualTo(p.image.base());
        }
    }

    @Nested
    class CloseProtocol {
        @Test
        void closesWhatWasOpenedByTheSameAgent() {
            long h = install(0, a, ifaceA);
            long agent = p.image.handle();
            assertThat(p.boot("OpenProtocol", h, a, p.cell(), agent, 0, GET_PROTOCOL)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("CloseProtocol", h, a, agent, 0)).as("CloseProtocol did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("CloseProtocol", h, a, agent, 0)).as("a second CloseProtocol did not return EFI_NOT_FOUND")
                    .isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void uninstallingForgetsTheOpens() {
            long h = install(0, a, ifaceA);
            install(h, b, ifaceB);
            long agent = p.image.handle();
            for (String how : new String[] {"UninstallProtocolInterface", "UninstallMultipleProtocolInterfaces"}) {
                assertThat(p.boot("OpenProtocol", h, a, p.cell(), agent, 0, GET_PROTOCOL)).isEqualTo(EfiStatus.SUCCESS);
                EfiStatus s = how.startsWith("UninstallMultiple")
                        ? p.boot(how, h, a, ifaceA, 0) : p.boot(how, h, a, ifaceA);
                assertThat(s).as("%s did not return EFI_SUCCESS", how).isEqualTo(EfiStatus.SUCCESS);
                install(h, a, ifaceA);
                assertThat(p.boot("CloseProtocol", h, a, agent, 0))
                        .as("CloseProtocol found an open from before %s", how).isEqualTo(EfiStatus.NOT_FOUND);
            }
        }

        @Test
        void notOpenedOrMissingIsNotFoundAndNullAgentInvalid() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("CloseProtocol", h, a, p.image.handle(), 0))
                    .as("CloseProtocol of a protocol never opened did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.boot("CloseProtocol", h, none, p.image.handle(), 0))
                    .as("CloseProtocol of a protocol the handle lacks did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.boot("CloseProtocol", h, a, 0, 0))
                    .as("CloseProtocol with AgentHandle NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("CloseProtocol", p.scratch(16), a, p.image.handle(), 0))
                    .as("CloseProtocol on a forged handle did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class Locate {
        @Test
        void locateHandleReportsTheSizeThenTheHandles() {
            long h1 = install(0, a, ifaceA);
            long h2 = install(0, a, ifaceB);
            long size = p.cell(0);
            assertThat(p.boot("LocateHandle", BY_PROTOCOL, a, 0, size, 0))
                    .as("LocateHandle with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).as("LocateHandle did not report the size of two handles").isEqualTo(16);
            long buf = p.scratch(16);
            assertThat(p.boot("LocateHandle", BY_PROTOCOL, a, 0, size, buf)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(List.of(p.u64(buf), p.u64(buf + 8))).containsExactlyInAnyOrder(h1, h2);
        }

        @Test
        void locateHandleOfAnUnknownProtocolIsNotFound() {
            assertThat(p.boot("LocateHandle", BY_PROTOCOL, none, 0, p.cell(0), 0))
                    .as("LocateHandle of an uninstalled protocol did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void locateHandleAllHandlesAndBadSearchType() {
            long h = install(0, a, ifaceA);
            assertThat(locateHandle(ALL_HANDLES, 0)).contains(h, p.image.handle());
            assertThat(p.boot("LocateHandle", BY_REGISTER_NOTIFY, 0, 0, p.cell(0), 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("LocateHandle", 7, a, 0, p.cell(0), 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("LocateHandle", BY_PROTOCOL, 0, 0, p.cell(0), 0))
                    .as("LocateHandle ByProtocol with Protocol NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("LocateHandle", BY_PROTOCOL, a, 0, 0, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void locateHandleBufferAllocatesAPool() {
            long h1 = install(0, a, ifaceA);
            long h2 = install(0, a, ifaceB);
            long count = p.cell(), buffer = p.cell();
            assertThat(p.boot("LocateHandleBuffer", BY_PROTOCOL, a, 0, count, buffer))
                    .as("LocateHandleBuffer did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(count)).isEqualTo(2);
            long buf = p.u64(buffer);
            assertThat(List.of(p.u64(buf), p.u64(buf + 8))).containsExactlyInAnyOrder(h1, h2);
            assertThat(p.boot("FreePool", buf)).as("the LocateHandleBuffer buffer is not a pool FreePool takes back")
                    .isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void locateHandleBufferOfAnUnknownProtocolIsNotFound() {
            long count = p.cell(9), buffer = p.cell(9);
            assertThat(p.boot("LocateHandleBuffer", BY_PROTOCOL, none, 0, count, buffer))
                    .as("LocateHandleBuffer of an uninstalled protocol did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.u64(count)).isZero();
            assertThat(p.u64(buffer)).isZero();
        }

        @Test
        void locateProtocolFindsTheFirstInterface() {
            install(0, a, ifaceA);
            long out = p.cell();
            assertThat(p.boot("LocateProtocol", a, 0, out)).as("LocateProtocol did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(out)).isEqualTo(ifaceA);
            out = p.cell(0x99);
            assertThat(p.boot("LocateProtocol", none, 0, out))
                    .as("LocateProtocol of an uninstalled protocol did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.u64(out)).as("LocateProtocol did not set *Interface to NULL").isZero();
            assertThat(p.boot("LocateProtocol", p.guid(KnownGuids.RNG), 0, p.cell()))
                    .as("LocateProtocol(RNG) did not find the firmware's RNG").isEqualTo(EfiStatus.SUCCESS);
        }
    }

    @Nested
    class Uninstall {
        @Test
        void theHandleDisappearsWithItsLastProtocol() {
            long h = install(0, a, ifaceA);
            install(h, b, ifaceB);
            assertThat(p.boot("UninstallProtocolInterface", h, a, ifaceA)).as("UninstallProtocolInterface did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(handleProtocol(h, b)).as("the handle went with a protocol that was not its last").isEqualTo(ifaceB);
            assertThat(p.boot("HandleProtocol", h, a, p.cell())).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.boot("UninstallProtocolInterface", h, b, ifaceB)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("HandleProtocol", h, b, p.cell()))
                    .as("HandleProtocol on a handle that lost its last protocol did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(locateHandle(ALL_HANDLES, 0)).doesNotContain(h);
        }

        @Test
        void wrongInterfaceIsNotFound() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("UninstallProtocolInterface", h, a, ifaceB))
                    .as("UninstallProtocolInterface with another interface did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.boot("UninstallProtocolInterface", h, none, ifaceA)).isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(handleProtocol(h, a)).isEqualTo(ifaceA);
        }

        @Test
        void multipleUninstallsAllOrNothing() {
            long h = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, a, ifaceA, b, ifaceB, 0)).isEqualTo(EfiStatus.SUCCESS);
            long handle = p.u64(h);
            assertThat(p.boot("UninstallMultipleProtocolInterfaces", handle, a, ifaceA, b, ifaceA, 0))
                    .as("UninstallMultipleProtocolInterfaces with a wrong interface did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(handleProtocol(handle, a)).as("a failed UninstallMultiple removed a protocol").isEqualTo(ifaceA);
            assertThat(p.boot("UninstallMultipleProtocolInterfaces", handle, a, ifaceA, b, ifaceB, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.fw.handles().isHandle(handle)).isFalse();
        }

        @Test
        void reinstallReplacesTheInterface() {
            long h = install(0, a, ifaceA);
            assertThat(p.boot("ReinstallProtocolInterface", h, a, ifaceA, ifaceB))
                    .as("ReinstallProtocolInterface of a handle's only protocol did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(handleProtocol(h, a)).as("ReinstallProtocolInterface did not install the new interface").isEqualTo(ifaceB);
            install(h, b, ifaceB);
            assertThat(p.boot("ReinstallProtocolInterface", h, b, ifaceB, ifaceA)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(handleProtocol(h, b)).isEqualTo(ifaceA);
            assertThat(p.boot("ReinstallProtocolInterface", h, b, ifaceB, ifaceA))
                    .as("ReinstallProtocolInterface with a wrong old interface did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        }
    }

    @Nested
    class ProtocolsPerHandle {
        @Test
        void listsTheProtocolsAsGuidPointersInAPool() {
            long h = install(0, a, ifaceA);
            install(h, b, ifaceB);
            long buffer = p.cell(), count = p.cell();
            assertThat(p.boot("ProtocolsPerHandle", h, buffer, count)).as("ProtocolsPerHandle did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(count)).isEqualTo(2);
            long arr = p.u64(buffer);
            List<Guid> guids = new ArrayList<>();
            for (int i = 0; i < 2; i++) guids.add(Guid.fromBytes(p.mem.read(p.u64(arr + 8L * i), 16), 0));
            assertThat(guids).containsExactly(PROTO_A, PROTO_B);
            assertThat(p.boot("FreePool", arr)).isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void forgedHandleIsInvalidParameter() {
            assertThat(p.boot("ProtocolsPerHandle", p.scratch(16), p.cell(), p.cell()))
                    .as("ProtocolsPerHandle on a forged handle did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }
}
