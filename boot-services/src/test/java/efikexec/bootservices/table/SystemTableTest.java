package efikexec.bootservices.table;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.table.BootServicesLayout;
import efikexec.model.table.RuntimeServicesLayout;
import efikexec.model.table.SystemTableLayout;
import efikexec.model.table.TableHeader;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** EFI_SYSTEM_TABLE, its service tables and configuration tables, read from guest memory. */
class SystemTableTest {

    /** Recomputes a table's CRC32 over HeaderSize bytes with the CRC field zeroed. */
    static long crcOf(Payload p, long table) {
        int size = (int) p.mem.readU32(table + 12);
        byte[] b = p.mem.read(table, size);
        b[TableHeader.CRC_OFFSET] = b[TableHeader.CRC_OFFSET + 1] = b[TableHeader.CRC_OFFSET + 2] = b[TableHeader.CRC_OFFSET + 3] = 0;
        CRC32 crc = new CRC32();
        crc.update(b);
        return crc.getValue();
    }

    static void assertCrcValid(Payload p, long table, String name) {
        assertThat(p.mem.readU32(table + TableHeader.CRC_OFFSET)).as("%s CRC32 does not match its contents", name)
                .isEqualTo(crcOf(p, table));
    }

    /** Config table GUID → table pointer, as the kernel walks the array. */
    static Map<Guid, Long> configTables(Payload p) {
        long st = p.systemTable();
        long n = p.u64(st + SystemTableLayout.NUMBER_OF_TABLE_ENTRIES);
        long array = p.u64(st + SystemTableLayout.CONFIGURATION_TABLE);
        Map<Guid, Long> out = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            long e = array + i * SystemTableLayout.CONFIG_ENTRY_SIZE;
            out.put(Guid.fromBytes(p.mem.read(e, 16), 0), p.u64(e + 16));
        }
        return out;
    }

    @Nested
    class Headers {
        final Payload p = Payload.start();

        @Test
        void signaturesAreThoseOfTheSpec() {
            assertThat(p.u64(p.systemTable())).as("SystemTable signature is not \"IBI SYST\"")
                    .isEqualTo(TableHeader.SYSTEM_TABLE_SIGNATURE);
            assertThat(new String(p.mem.read(p.systemTable(), 8))).isEqualTo("IBI SYST");
            assertThat(new String(p.mem.read(p.bootServices(), 8))).as("BootServices signature").isEqualTo("BOOTSERV");
            assertThat(new String(p.mem.read(p.runtimeServices(), 8))).as("RuntimeServices signature").isEqualTo("RUNTSERV");
        }

        @Test
        void headerSizesAndRevision() {
            assertThat(p.mem.readU32(p.systemTable() + 12)).as("SystemTable HeaderSize").isEqualTo(0x78);
            assertThat(p.mem.readU32(p.bootServices() + 12)).as("BootServices HeaderSize")
                    .isEqualTo(24 + 8 * 44).isEqualTo(BootServicesLayout.SIZE);
            assertThat(p.mem.readU32(p.runtimeServices() + 12)).as("RuntimeServices HeaderSize")
                    .isEqualTo(24 + 8 * 14).isEqualTo(RuntimeServicesLayout.SIZE);
            for (long t : new long[] {p.systemTable(), p.bootServices(), p.runtimeServices()}) {
                assertThat(p.mem.readU32(t + 8)).as("Revision of table at 0x%x", t).isEqualTo(TableHeader.REVISION);
                assertThat(p.mem.readU32(t + 20)).as("Reserved field of table at 0x%x", t).isZero();
            }
        }

        @Test
        void crc32OfAllThreeTablesIsValid() {
            assertCrcValid(p, p.systemTable(), "SystemTable");
            assertCrcValid(p, p.bootServices(), "BootServices");
            assertCrcValid(p, p.runtimeServices(), "RuntimeServices");
        }

        @Test
        void firmwareVendorIsAUcs2String() {
            long vendor = p.u64(p.systemTable() + SystemTableLayout.FIRMWARE_VENDOR);
            assertThat(vendor).as("FirmwareVendor pointer").isNotZero();
            assertThat(p.mem.readUcs2(vendor, 64)).isEqualTo(SystemTable.VENDOR);
            assertThat(p.mem.readU32(p.systemTable() + SystemTableLayout.FIRMWARE_REVISION))
                    .isEqualTo(SystemTable.FIRMWARE_REVISION);
        }

        @Test
        void systemTableIsWhatTheFirmwareReportsAndTheLoadedImagePointsAt() {
            long li = p.image.loadedImageProtocol();
            assertThat(p.u64(li + 0x10)).as("LoadedImage.SystemTable").isEqualTo(p.systemTable());
        }
    }

    @Nested
    class Slots {
        final Payload p = Payload.start();

        @Test
        void everyBootServicesSlotIsNonNullAndDistinct() {
            Set<Long> seen = new HashSet<>();
            for (String slot : BootServicesLayout.SLOTS) {
                long fn = p.bootFunction(slot);
                assertThat(fn).as("BootServices->%s is NULL", slot).isNotZero();
                assertThat(seen.add(fn)).as("BootServices->%s shares its pointer 0x%x with another slot", slot, fn).isTrue();
                assertThat(p.fw.registry().at(fn)).as("BootServices->%s is not a service thunk", slot).isNotNull();
                assertThat(p.fw.registry().at(fn).name()).isEqualTo(slot);
            }
        }

        @Test
        void everyRuntimeServicesSlotIsNonNull() {
            for (String slot : RuntimeServicesLayout.SLOTS) {
                long fn = p.runtimeFunction(slot);
                assertThat(fn).as("RuntimeServices->%s is NULL", slot).isNotZero();
                assertThat(p.fw.registry().at(fn)).as("RuntimeServices->%s is not a service thunk before ExitBootServices", slot)
                        .isNotNull();
            }
        }

        @Test
        void slotOffsetsAreThoseTheLinuxStubUses() {
            // EFI-NOTES "Services the Linux stub ... actually use"
            assertThat(BootServicesLayout.offset("AllocatePages")).isEqualTo(0x28);
            assertThat(BootServicesLayout.offset("LocateDevicePath")).isEqualTo(0xb8);
            assertThat(BootServicesLayout.offset("ExitBootServices")).isEqualTo(0xe8);
            assertThat(BootServicesLayout.offset("SetMem")).isEqualTo(0x168);
            assertThat(RuntimeServicesLayout.offset("SetVirtualAddressMap")).isEqualTo(0x38);
            assertThat(RuntimeServicesLayout.offset("ResetSystem")).isEqualTo(0x68);
        }

        @Test
        void thunkBytesAreTheArchCodesTrapThunks() {
            var e = p.fw.registry().at(p.bootFunction("AllocatePages"));
            assertThat(p.mem.read(e.address(), 8)).isEqualTo(p.code.trapThunk(e.index()));
        }
    }

    @Nested
    class Console {
        final Payload p = Payload.start();

        @Test
        void conOutAndStdErrAreSetOnTheConsoleHandle() {
            long st = p.systemTable();
            long outHandle = p.u64(st + SystemTableLayout.CONSOLE_OUT_HANDLE);
            long conOut = p.u64(st + SystemTableLayout.CON_OUT);
            long errHandle = p.u64(st + SystemTableLayout.STANDARD_ERROR_HANDLE);
            long stdErr = p.u64(st + SystemTableLayout.STD_ERR);
            assertThat(conOut).as("SystemTable->ConOut is NULL").isNotZero();
            assertThat(stdErr).as("SystemTable->StdErr is NULL").isNotZero();
            assertThat(outHandle).as("ConsoleOutHandle is NULL").isNotZero();
            assertThat(errHandle).as("StandardErrorHandle is NULL").isNotZero();
            assertThat(p.fw.handles().find(outHandle, KnownGuids.SIMPLE_TEXT_OUTPUT))
                    .as("ConsoleOutHandle does not carry SIMPLE_TEXT_OUTPUT = ConOut").isEqualTo(conOut);
            assertThat(p.u64(st + SystemTableLayout.CON_IN)).as("SystemTable->ConIn is NULL").isNotZero();
        }
    }

    @Nested
    class ConfigurationTables {

        @Test
        void rtPropertiesSaysNoRuntimeServiceIsSupported() {
            Payload p = Payload.start();
            Long t = configTables(p).get(KnownGuids.RT_PROPERTIES);
            assertThat(t).as("no RT_PROPERTIES config table").isNotNull();
            assertThat(p.mem.read(t, 8)).as("RT_PROPERTIES is not {version 1, length 8, supported 0}")
                    .containsExactly(1, 0, 8, 0, 0, 0, 0, 0);
        }

        @Test
        void randomSeedIs32BytesAndFollowsTheSeed() {
            Payload a = Payload.builder().seed(42).build();
            Payload b = Payload.builder().seed(42).build();
            Payload c = Payload.builder().seed(43).build();
            byte[][] seeds = new byte[3][];
            int i = 0;
            for (Payload p : new Payload[] {a, b, c}) {
                Long t = configTables(p).get(KnownGuids.LINUX_EFI_RANDOM_SEED);
                assertThat(t).as("no LINUX_EFI_RANDOM_SEED config table").isNotNull();
                assertThat(p.mem.readU32(t)).as("random seed size is not 32").isEqualTo(32);
                seeds[i++] = p.mem.read(t + 4, 32);
            }
            assertThat(seeds[0]).as("the same seed gave different random-seed tables").isEqualTo(seeds[1]);
            assertThat(seeds[0]).as("another seed gave the same random-seed table").isNotEqualTo(seeds[2]);
        }

        @Test
        void deviceTreeOnlyWhenADtbIsGiven() {
            assertThat(configTables(Payload.start())).as("DEVICE_TREE installed without a dtb")
                    .doesNotContainKey(KnownGuids.DEVICE_TREE);
            byte[] dtb = {(byte) 0xd0, 0x0d, (byte) 0xfe, (byte) 0xed, 0, 0, 0, 0x28, 1, 2, 3, 4};
            Payload p = Payload.builder().dtb(dtb).build();
            Long t = configTables(p).get(KnownGuids.DEVICE_TREE);
            assertThat(t).as("no DEVICE_TREE config table with a dtb given").isNotNull();
            assertThat(p.mem.read(t, dtb.length)).isEqualTo(dtb);
        }

        @Test
        void countAndArrayMatchTheFirmwaresOwnList() {
            Payload p = Payload.start();
            assertThat(configTables(p).keySet()).containsExactlyElementsOf(
                    p.fw.configTables().entries().stream().map(ConfigTables.Entry::guid).toList());
        }
    }
}
