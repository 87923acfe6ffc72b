package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.table.SystemTableLayout;
import efikexec.model.table.TableHeader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** CopyMem, SetMem, CalculateCrc32, Stall, InstallConfigurationTable and friends (UEFI 2.10, 7.5, 4.6). */
class MiscTest {
    final Payload p = Payload.start();

    byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + 1);
        return b;
    }

    @Nested
    class Memory {
        @Test
        void copyMemForwardOverlap() {
            byte[] src = pattern(64);
            long buf = p.bytes(new byte[80]);
            p.mem.write(buf, src);
            p.invokeBoot("CopyMem", buf + 8, buf, 64); // destination above source
            assertThat(p.mem.read(buf + 8, 64)).as("CopyMem with dst > src overlapping is not memmove").isEqualTo(src);
        }

        @Test
        void copyMemBackwardOverlap() {
            byte[] src = pattern(64);
            long buf = p.bytes(new byte[80]);
            p.mem.write(buf + 8, src);
            p.invokeBoot("CopyMem", buf, buf + 8, 64); // destination below source
            assertThat(p.mem.read(buf, 64)).as("CopyMem with dst < src overlapping is not memmove").isEqualTo(src);
        }

        @Test
        void copyMemDisjointAndZeroLength() {
            long a = p.bytes(pattern(100)), b = p.scratch(100);
            p.invokeBoot("CopyMem", b, a, 100);
            assertThat(p.mem.read(b, 100)).isEqualTo(pattern(100));
            p.invokeBoot("CopyMem", b, a + 1, 0);
            assertThat(p.mem.read(b, 100)).isEqualTo(pattern(100));
        }

        @Test
        void setMemFillsExactlyTheRange() {
            long buf = p.scratch(32);
            p.invokeBoot("SetMem", buf + 4, 20, 0xab);
            byte[] got = p.mem.read(buf, 32);
            for (int i = 0; i < 32; i++) {
                int want = i >= 4 && i < 24 ? 0xab : 0;
                assertThat(got[i] & 0xff).as("byte %d after SetMem", i).isEqualTo(want);
            }
        }

        @Test
        void calculateCrc32MatchesJava() {
            byte[] data = new byte[10_000];
            new Random(3).nextBytes(data);
            long at = p.bytes(data), out = p.cell(0xffff_ffff_ffff_ffffL);
            assertThat(p.boot("CalculateCrc32", at, data.length, out)).as("CalculateCrc32 did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            CRC32 crc = new CRC32();
            crc.update(data);
            assertThat(p.mem.readU32(out)).isEqualTo(crc.getValue());
            assertThat(p.mem.readU32(out + 4)).as("CalculateCrc32 wrote more than a UINT32").isEqualTo(0xffff_ffffL);
        }

        @Test
        void calculateCrc32OfTheSystemTableHeaderSizeReproducesItsCrc() {
            // What a payload does to check the table: CRC field zeroed in a copy, then CalculateCrc32.
            long copy = p.bytes(p.mem.read(p.systemTable(), SystemTableLayout.SIZE));
            p.mem.writeU32(copy + TableHeader.CRC_OFFSET, 0);
            long out = p.cell();
            assertThat(p.boot("CalculateCrc32", copy, SystemTableLayout.SIZE, out)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.mem.readU32(out)).isEqualTo(p.mem.readU32(p.systemTable() + TableHeader.CRC_OFFSET));
        }

        @Test
        void calculateCrc32BadArgumentsAreInvalidParameter() {
            long at = p.scratch(8);
            assertThat(p.boot("CalculateCrc32", 0, 8, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("CalculateCrc32", at, 0, p.cell()))
                    .as("CalculateCrc32 of size 0 did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("CalculateCrc32", at, 8, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class Time {
        @Test
        void stallAdvancesTheVirtualClockWithoutSleeping() {
            long before = p.fw.clock().micros();
            long t0 = System.nanoTime();
            assertThat(p.boot("Stall", 10_000_000L)).as("Stall did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            long wallMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(wallMillis).as("Stall(10 s) slept for real").isLessThan(1000);
            assertThat(p.fw.clock().micros() - before).isEqualTo(10_000_000L);
        }

        @Test
        void getTimeFollowsTheVirtualClock() {
            long t = p.scratch(16);
            assertThat(p.runtime("GetTime", t, 0)).isEqualTo(EfiStatus.SUCCESS);
            int second0 = p.mem.readU8(t + 6), minute0 = p.mem.readU8(t + 5);
            assertThat(p.mem.readU16(t)).as("year").isEqualTo(2026);
            p.boot("Stall", 61_000_000L);
            assertThat(p.runtime("GetTime", t, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.mem.readU8(t + 5) * 60 + p.mem.readU8(t + 6) - (minute0 * 60 + second0)).isEqualTo(61);
        }

        @Test
        void monotonicCountIncreases() {
            long out = p.cell();
            assertThat(p.boot("GetNextMonotonicCount", out)).isEqualTo(EfiStatus.SUCCESS);
            long first = p.u64(out);
            assertThat(p.boot("GetNextMonotonicCount", out)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(out)).isGreaterThan(first);
        }

        @Test
        void setWatchdogTimerSaysThereIsNone() {
            assertThat(p.boot("SetWatchdogTimer", 0, 0, 0, 0)).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.lastCall().implemented()).isTrue();
        }
    }

    @Nested
    class ConfigurationTable {
        final Guid mine = Guid.parse("c0c0c0c0-1234-5678-9abc-def012345678");

        Map<Guid, Long> tables() {
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

        void assertSystemTableCrcValid() {
            byte[] b = p.mem.read(p.systemTable(), SystemTableLayout.SIZE);
            for (int i = 0; i < 4; i++) b[TableHeader.CRC_OFFSET + i] = 0;
            CRC32 crc = new CRC32();
            crc.update(b);
            assertThat(p.mem.readU32(p.systemTable() + TableHeader.CRC_OFFSET))
                    .as("system table CRC32 not recomputed after InstallConfigurationTable").isEqualTo(crc.getValue());
        }

        @Test
        void addReplaceRemove() {
            Map<Guid, Long> before = tables();
            long g = p.guid(mine), t1 = p.scratch(16), t2 = p.scratch(16);

            assertThat(p.boot("InstallConfigurationTable", g, t1)).as("adding a configuration table did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(tables()).hasSize(before.size() + 1).containsEntry(mine, t1);
            assertSystemTableCrcValid();

            assertThat(p.boot("InstallConfigurationTable", g, t2)).as("replacing a configuration table did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(tables()).hasSize(before.size() + 1).containsEntry(mine, t2);
            assertSystemTableCrcValid();

            assertThat(p.boot("InstallConfigurationTable", g, 0)).as("removing a configuration table did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(tables()).isEqualTo(before);
            assertSystemTableCrcValid();

            assertThat(p.boot("InstallConfigurationTable", g, 0))
                    .as("removing a configuration table that is not there did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(tables()).isEqualTo(before);
        }

        @Test
        void removingAFirmwareTableKeepsTheOthers() {
            Map<Guid, Long> before = tables();
            assertThat(p.boot("InstallConfigurationTable", p.guid(KnownGuids.RT_PROPERTIES), 0)).isEqualTo(EfiStatus.SUCCESS);
            Map<Guid, Long> after = tables();
            before.remove(KnownGuids.RT_PROPERTIES);
            assertThat(after).isEqualTo(before);
            assertSystemTableCrcValid();
        }

        @Test
        void manyTablesGrowTheArray() {
            Map<Guid, Long> before = tables();
            for (int i = 0; i < 40; i++) {
                Guid gi = new Guid(0x1000 + i, 0x2000 + i);
                assertThat(p.boot("InstallConfigurationTable", p.guid(gi), 0x5000 + i)).isEqualTo(EfiStatus.SUCCESS);
            }
            Map<Guid, Long> now = tables();
            assertThat(now).hasSize(before.size() + 40);
            now.keySet().retainAll(before.keySet());
            assertThat(now).isEqualTo(before);
            assertThat(tables()).containsEntry(new Guid(0x1000 + 39, 0x2000 + 39), 0x5000L + 39);
            assertSystemTableCrcValid();
        }

        @Test
        void nullGuidIsInvalidParameter() {
            assertThat(p.boot("InstallConfigurationTable", 0, p.scratch(8))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class Tpl {
        @Test
        void raiseTplReturnsTheOldLevelAndRestoreSetsItBack() {
            long old = p.invokeBoot("RaiseTPL", 16);
            assertThat(old).as("RaiseTPL did not return TPL_APPLICATION").isEqualTo(4);
            assertThat(p.invokeBoot("RaiseTPL", 31)).isEqualTo(16);
            p.invokeBoot("RestoreTPL", old);
            assertThat(p.invokeBoot("RaiseTPL", 8)).isEqualTo(4);
        }

        @Test
        void eventsCanBeCreatedAndClosed() {
            long ev = p.cell();
            assertThat(p.boot("CreateEvent", 0x200, 8, 0, 0, ev)).as("CreateEvent did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(ev)).isNotZero();
            assertThat(p.boot("CheckEvent", p.u64(ev))).isEqualTo(EfiStatus.NOT_READY);
            assertThat(p.boot("CloseEvent", p.u64(ev))).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.boot("CloseEvent", p.u64(ev))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }
}
