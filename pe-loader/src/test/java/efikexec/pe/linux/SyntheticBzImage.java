package efikexec.pe.linux;

import static efikexec.pe.SyntheticPe.putU32;
import static efikexec.pe.SyntheticPe.putU64;

import efikexec.pe.SyntheticPe;
import java.nio.charset.StandardCharsets;

/**
 * A small file with a valid x86 setup header, laid out like Debian's 6.1 bzImage but shrunk:
 * boot sector + 4 setup sectors (0xa00 bytes), then the protected-mode code with an xz payload at
 * +0x100 of 0x80 bytes, and 0x40 bytes of tail (the real file ends with the CRC and signature).
 */
final class SyntheticBzImage {
    static final int SETUP_SECTS = 4;
    static final int PM_START = (SETUP_SECTS + 1) * 512;
    static final int PAYLOAD_OFFSET = 0x100;
    static final int PAYLOAD_LENGTH = 0x80;
    static final int FILE_SIZE = PM_START + PAYLOAD_OFFSET + PAYLOAD_LENGTH + 0x40;
    static final byte[] XZ = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    static final String KERNEL_VERSION = "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP";

    private SyntheticBzImage() {}

    static byte[] build() {
        byte[] f = new byte[FILE_SIZE];
        f[0] = 'M';
        f[1] = 'Z';
        f[0x1f1] = SETUP_SECTS;
        putU32(f, 0x1f4, (FILE_SIZE - PM_START + 15) / 16); // syssize
        SyntheticPe.putU16(f, 0x1fe, 0xaa55);
        f[0x200] = (byte) 0xeb; // jmp short to the end of the header
        f[0x201] = 0x6a;
        System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, f, 0x202, 4);
        SyntheticPe.putU16(f, 0x206, 0x020f);
        SyntheticPe.putU16(f, 0x20e, 0x300); // kernel_version string at 0x500
        byte[] kv = KERNEL_VERSION.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(kv, 0, f, 0x500, kv.length);
        f[0x211] = (byte) 0x81; // LOADED_HIGH | CAN_USE_HEAP
        putU32(f, 0x214, 0x100000); // code32_start
        putU32(f, 0x22c, 0x7fffffff); // initrd_addr_max
        putU32(f, 0x230, 0x200000); // kernel_alignment
        f[0x234] = 1; // relocatable_kernel
        f[0x235] = 0x15; // min_alignment
        SyntheticPe.putU16(f, 0x236, 0x7f); // xloadflags
        putU32(f, 0x238, 0x7ff); // cmdline_size
        putU32(f, 0x248, PAYLOAD_OFFSET);
        putU32(f, 0x24c, PAYLOAD_LENGTH);
        putU64(f, 0x258, 0x1000000L); // pref_address
        putU32(f, 0x260, 0x3f98000L); // init_size
        putU32(f, 0x264, 0x190); // handover_offset
        putU32(f, 0x268, 0x200); // kernel_info_offset
        System.arraycopy(XZ, 0, f, PM_START + PAYLOAD_OFFSET, XZ.length);
        return f;
    }
}
