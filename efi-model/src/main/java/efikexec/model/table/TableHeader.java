package efikexec.model.table;

import efikexec.model.memory.GuestMemory;
import java.util.zip.CRC32;

/** EFI_TABLE_HEADER: signature, revision, header size, CRC32 (over HeaderSize bytes, CRC field zero). */
public final class TableHeader {
    private TableHeader() {
    }

    public static final int SIZE = 24;
    public static final int CRC_OFFSET = 16;
    /** UEFI 2.70: what the Linux stub and systemd-stub expect of a current firmware. */
    public static final long REVISION = (2L << 16) | 70;

    public static final long SYSTEM_TABLE_SIGNATURE = 0x5453595320494249L; // "IBI SYST"
    public static final long BOOT_SERVICES_SIGNATURE = 0x56524553544f4f42L; // "BOOTSERV"
    public static final long RUNTIME_SERVICES_SIGNATURE = 0x56524553544e5552L; // "RUNTSERV"

    public static void write(GuestMemory mem, long table, long signature, int headerSize) {
        mem.writeU64(table, signature);
        mem.writeU32(table + 8, REVISION);
        mem.writeU32(table + 12, headerSize);
        mem.writeU32(table + 20, 0);
        updateCrc(mem, table);
    }

    /** Recomputes the CRC32 after the table changed, as firmware must. */
    public static void updateCrc(GuestMemory mem, long table) {
        int size = (int) mem.readU32(table + 12);
        mem.writeU32(table + CRC_OFFSET, 0);
        CRC32 crc = new CRC32();
        crc.update(mem.read(table, size));
        mem.writeU32(table + CRC_OFFSET, crc.getValue());
    }
}
