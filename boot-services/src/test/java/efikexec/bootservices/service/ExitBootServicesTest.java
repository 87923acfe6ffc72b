package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.testing.Payload;
import efikexec.memmap.MemoryDescriptor;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import efikexec.model.table.RuntimeServicesLayout;
import efikexec.model.table.SystemTableLayout;
import efikexec.model.table.TableHeader;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** gBS->ExitBootServices (UEFI 2.10, 7.4), as efi_selftest_exitbootservices.c. */
class ExitBootServicesTest {
    final Payload p = Payload.start();

    static long crcOf(Payload p, long table) {
        byte[] b = p.mem.read(table, (int) p.mem.readU32(table + 12));
        for (int i = 0; i < 4; i++) b[TableHeader.CRC_OFFSET + i] = 0;
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    @Nested
    class BeforeExit {
        @Test
        void staleKeyIsInvalidParameterAndNothingChanges() {
            long stale = p.mapKey();
            p.pool(100); // the map changes after the payload read it
            byte[] st = p.mem.read(p.systemTable(), SystemTableLayout.SIZE);
            byte[] rt = p.mem.read(p.runtimeServices(), RuntimeServicesLayout.SIZE);
            assertThat(p.boot("ExitBootServices", p.image.handle(), stale))
                    .as("ExitBootServices with a stale MapKey did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.mem.read(p.systemTable(), SystemTableLayout.SIZE)).as("a failed ExitBootServices changed the system table")
                    .isEqualTo(st);
            assertThat(p.mem.read(p.runtimeServices(), RuntimeServicesLayout.SIZE))
                    .as("a failed ExitBootServices changed the runtime services table").isEqualTo(rt);
            assertThat(p.fw.bootServicesExited()).isFalse();
            assertThat(p.fw.takeEvent()).as("a failed ExitBootServices posted an event").isNull();
            assertThat(p.boot("AllocatePool", MemoryType.LOADER_DATA.value(), 8, p.cell()))
                    .as("boot services stopped working after a failed ExitBootServices").isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void theLinuxStubsRetryWithAFreshKeySucceeds() {
            long stale = p.mapKey();
            p.pool(100);
            assertThat(p.boot("ExitBootServices", p.image.handle(), stale)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("ExitBootServices", p.image.handle(), p.mapKey()))
                    .as("ExitBootServices with the key of a fresh GetMemoryMap did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void unknownImageHandleIsInvalidParameter() {
            assertThat(p.boot("ExitBootServices", p.image.handle() + 16, p.mapKey()))
                    .as("ExitBootServices with a forged image handle did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.fw.bootServicesExited()).isFalse();
        }
    }

    @Nested
    class AfterExit {
        long conOutBefore;
        long rtBefore;

        @BeforeEach
        void exit() {
            conOutBefore = p.u64(p.systemTable() + SystemTableLayout.CON_OUT);
            rtBefore = p.runtimeServices();
            assertThat(p.boot("ExitBootServices", p.image.handle(), p.mapKey()))
                    .as("ExitBootServices with a fresh MapKey did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void bootTimePointersAreClearedAndTheCrcRecomputed() {
            long st = p.systemTable();
            assertThat(conOutBefore).isNotZero();
            for (int off : new int[] {SystemTableLayout.CONSOLE_IN_HANDLE, SystemTableLayout.CON_IN,
                SystemTableLayout.CONSOLE_OUT_HANDLE, SystemTableLayout.CON_OUT, SystemTableLayout.STANDARD_ERROR_HANDLE,
                SystemTableLayout.STD_ERR, SystemTableLayout.BOOT_SERVICES}) {
                assertThat(p.u64(st + off)).as("system table field at 0x%x not cleared by ExitBootServices", off).isZero();
            }
            assertThat(p.runtimeServices()).as("RuntimeServices pointer changed").isEqualTo(rtBefore);
            assertThat(p.u64(st + SystemTableLayout.CONFIGURATION_TABLE)).as("configuration tables lost").isNotZero();
            assertThat(p.mem.readU32(st + TableHeader.CRC_OFFSET)).as("system table CRC32 not recomputed")
                    .isEqualTo(crcOf(p, st));
            assertThat(p.mem.readU32(rtBefore + TableHeader.CRC_OFFSET)).as("runtime services CRC32 not recomputed")
                    .isEqualTo(crcOf(p, rtBefore));
        }

        @Test
        void runtimeSlotsPointAtRealCodeReturningUnsupported() {
            for (String slot : RuntimeServicesLayout.SLOTS) {
                long fn = p.runtimeFunction(slot);
                assertThat(p.fw.registry().at(fn)).as("RuntimeServices->%s still points at a trap thunk", slot).isNull();
                assertThat(p.mem.read(fn, 8)).as("RuntimeServices->%s is not the return-EFI_UNSUPPORTED code", slot)
                        .isEqualTo(p.code.returnUnsupported());
                MemoryDescriptor d = p.fw.memoryMap().find(fn);
                assertThat(d.type()).as("RuntimeServices->%s code is not in EfiRuntimeServicesCode", slot)
                        .isEqualTo(MemoryType.RUNTIME_SERVICES_CODE);
            }
        }

        @Test
        void aBootServiceCalledAfterwardsReturnsUnsupported() {
            long out = p.cell();
            assertThat(p.boot("AllocatePool", MemoryType.LOADER_DATA.value(), 16, out))
                    .as("AllocatePool after ExitBootServices did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.u64(out)).isZero();
            assertThat(p.lastCall().note()).contains("after ExitBootServices");
            assertThat(p.boot("ExitBootServices", p.image.handle(), p.fw.memoryMap().mapKey()))
                    .as("a second ExitBootServices did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
        }

        @Test
        void bootServicesExitedEventIsPosted() {
            FirmwareEvent e = p.fw.takeEvent();
            assertThat(e).as("no event after ExitBootServices").isInstanceOf(FirmwareEvent.BootServicesExited.class);
            assertThat(((FirmwareEvent.BootServicesExited) e).imageHandle()).isEqualTo(p.image.handle());
            assertThat(p.fw.takeEvent()).isNull();
            assertThat(p.fw.bootServicesExited()).isTrue();
        }
    }
}
