package efikexec.pe.linux;

import static efikexec.pe.FileBytes.u16;
import static efikexec.pe.FileBytes.u32;
import static efikexec.pe.FileBytes.u64;
import static efikexec.pe.FileBytes.u8;

import efikexec.model.FormatException;
import efikexec.pe.FileBytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The x86 boot protocol's setup header of a bzImage (Documentation/arch/x86/boot.rst, laid out by
 * arch/x86/boot/header.S), at file offset 0x1f1 of the real-mode setup code that precedes the
 * protected-mode kernel. With an EFI stub the same file is also a PE32+ image; the stub does not
 * read this header when it is started through its PE entry point (it builds boot_params from
 * scratch), but the header says where the compressed kernel is, how it is packed, how much memory
 * it needs to decompress (init_size) and where it prefers to run (pref_address).
 *
 * <p>{@link #parse} checks what any loader must rely on and throws {@link FormatException} naming
 * the field and its file offset: the file holds the whole header, the "HdrS" magic, the 0xAA55
 * boot_flag, protocol 2.12 or later, the setup code (setup_sects) and the payload inside the file.
 * Flag words are decoded, never required: what a flag means for a run is the caller's decision.
 */
public final class SetupHeader {
    public static final int OFF_SETUP_SECTS = 0x1f1;
    public static final int OFF_ROOT_FLAGS = 0x1f2;
    public static final int OFF_SYSSIZE = 0x1f4;
    public static final int OFF_BOOT_FLAG = 0x1fe;
    public static final int OFF_JUMP = 0x200;
    public static final int OFF_HEADER = 0x202;
    public static final int OFF_VERSION = 0x206;
    public static final int OFF_KERNEL_VERSION = 0x20e;
    public static final int OFF_LOADFLAGS = 0x211;
    public static final int OFF_CODE32_START = 0x214;
    public static final int OFF_RAMDISK_IMAGE = 0x218;
    public static final int OFF_RAMDISK_SIZE = 0x21c;
    public static final int OFF_CMD_LINE_PTR = 0x228;
    public static final int OFF_INITRD_ADDR_MAX = 0x22c;
    public static final int OFF_KERNEL_ALIGNMENT = 0x230;
    public static final int OFF_RELOCATABLE_KERNEL = 0x234;
    public static final int OFF_MIN_ALIGNMENT = 0x235;
    public static final int OFF_XLOADFLAGS = 0x236;
    public static final int OFF_CMDLINE_SIZE = 0x238;
    public static final int OFF_HARDWARE_SUBARCH = 0x23c;
    public static final int OFF_PAYLOAD_OFFSET = 0x248;
    public static final int OFF_PAYLOAD_LENGTH = 0x24c;
    public static final int OFF_SETUP_DATA = 0x250;
    public static final int OFF_PREF_ADDRESS = 0x258;
    public static final int OFF_INIT_SIZE = 0x260;
    public static final int OFF_HANDOVER_OFFSET = 0x264;
    public static final int OFF_KERNEL_INFO_OFFSET = 0x268;
    /** One past the last field read (kernel_info_offset, protocol 2.15). */
    public static final int END = 0x26c;

    /** "HdrS", little-endian, at 0x202. */
    public static final long MAGIC = 0x53726448L;
    public static final int BOOT_FLAG = 0xaa55;
    /**
     * The oldest protocol accepted: 2.12 (Linux 3.8) added xloadflags, the only place the header says
     * the kernel is 64-bit (XLF_KERNEL_64), may sit above 4 GiB and has the 64-bit EFI handover and
     * kexec entry points. An x86_64 kernel whose EFI stub we can run is newer than that; the
     * kernel's own kexec_file loader (arch/x86/kernel/kexec-bzimage64.c) draws the same line.
     */
    public static final int MIN_VERSION = 0x020c;
    /** Protocol 2.15 added kernel_info_offset; older headers have no such field. */
    public static final int VERSION_KERNEL_INFO = 0x020f;
    public static final int SECTOR = 512;
    /** boot.rst: "If this field is 0, the real value is 4." */
    public static final int DEFAULT_SETUP_SECTS = 4;

    /** The bits of xloadflags (arch/x86/include/uapi/asm/bootparam.h). */
    public enum XLoadFlag {
        XLF_KERNEL_64(0),
        XLF_CAN_BE_LOADED_ABOVE_4G(1),
        XLF_EFI_HANDOVER_32(2),
        XLF_EFI_HANDOVER_64(3),
        XLF_EFI_KEXEC(4),
        XLF_5LEVEL(5),
        XLF_5LEVEL_ENABLED(6),
        XLF_MEM_ENCRYPTION(7);

        public final int bit;

        XLoadFlag(int bit) {
            this.bit = bit;
        }

        public int mask() {
            return 1 << bit;
        }
    }

    /** The bits of loadflags (arch/x86/include/uapi/asm/bootparam.h). */
    public enum LoadFlag {
        LOADED_HIGH(0),
        KASLR_FLAG(1),
        QUIET_FLAG(5),
        KEEP_SEGMENTS(6),
        CAN_USE_HEAP(7);

        public final int bit;

        LoadFlag(int bit) {
            this.bit = bit;
        }

        public int mask() {
            return 1 << bit;
        }
    }

    private final int setupSectsField;
    private final int rootFlags;
    private final long syssize;
    private final int bootFlag;
    private final int version;
    private final int kernelVersionPtr;
    private final int loadflags;
    private final long code32Start;
    private final long ramdiskImage;
    private final long ramdiskSize;
    private final long cmdLinePtr;
    private final long initrdAddrMax;
    private final long kernelAlignment;
    private final int relocatableKernel;
    private final int minAlignment;
    private final int xloadflags;
    private final long cmdlineSize;
    private final long hardwareSubarch;
    private final long payloadOffset;
    private final long payloadLength;
    private final long setupData;
    private final long prefAddress;
    private final long initSize;
    private final long handoverOffset;
    private final long kernelInfoOffset;
    private final PayloadCompression compression;
    private final String kernelVersion;

    private SetupHeader(byte[] f) {
        setupSectsField = u8(f, OFF_SETUP_SECTS, "setup_sects");
        rootFlags = u16(f, OFF_ROOT_FLAGS, "root_flags");
        syssize = u32(f, OFF_SYSSIZE, "syssize");
        bootFlag = u16(f, OFF_BOOT_FLAG, "boot_flag");
        version = u16(f, OFF_VERSION, "version");
        kernelVersionPtr = u16(f, OFF_KERNEL_VERSION, "kernel_version");
        loadflags = u8(f, OFF_LOADFLAGS, "loadflags");
        code32Start = u32(f, OFF_CODE32_START, "code32_start");
        ramdiskImage = u32(f, OFF_RAMDISK_IMAGE, "ramdisk_image");
        ramdiskSize = u32(f, OFF_RAMDISK_SIZE, "ramdisk_size");
        cmdLinePtr = u32(f, OFF_CMD_LINE_PTR, "cmd_line_ptr");
        initrdAddrMax = u32(f, OFF_INITRD_ADDR_MAX, "initrd_addr_max");
        kernelAlignment = u32(f, OFF_KERNEL_ALIGNMENT, "kernel_alignment");
        relocatableKernel = u8(f, OFF_RELOCATABLE_KERNEL, "relocatable_kernel");
        minAlignment = u8(f, OFF_MIN_ALIGNMENT, "min_alignment");
        xloadflags = u16(f, OFF_XLOADFLAGS, "xloadflags");
        cmdlineSize = u32(f, OFF_CMDLINE_SIZE, "cmdline_size");
        hardwareSubarch = u32(f, OFF_HARDWARE_SUBARCH, "hardware_subarch");
        payloadOffset = u32(f, OFF_PAYLOAD_OFFSET, "payload_offset");
        payloadLength = u32(f, OFF_PAYLOAD_LENGTH, "payload_length");
        setupData = u64(f, OFF_SETUP_DATA, "setup_data");
        prefAddress = u64(f, OFF_PREF_ADDRESS, "pref_address");
        initSize = u32(f, OFF_INIT_SIZE, "init_size");
        handoverOffset = u32(f, OFF_HANDOVER_OFFSET, "handover_offset");
        kernelInfoOffset = version >= VERSION_KERNEL_INFO ? u32(f, OFF_KERNEL_INFO_OFFSET, "kernel_info_offset") : 0;
        check(f);
        compression = PayloadCompression.detect(f, (int) payloadFileOffset(), (int) payloadLength);
        kernelVersion = readKernelVersion(f);
    }

    /** Parses and checks the setup header of the bzImage {@code file}. */
    public static SetupHeader parse(byte[] file) {
        FileBytes.require(file, OFF_SETUP_SECTS, END - OFF_SETUP_SECTS, "setup header",
                String.format("x86 setup header (0x%x-0x%x)", OFF_SETUP_SECTS, END - 1));
        long magic = u32(file, OFF_HEADER, "header");
        if (magic != MAGIC) {
            throw new FormatException("header", OFF_HEADER, String.format(
                    "setup header magic is %s, expected \"HdrS\" (48 64 72 53): not an x86 bzImage",
                    hex(file, OFF_HEADER, 4)));
        }
        return new SetupHeader(file);
    }

    private void check(byte[] f) {
        if (bootFlag != BOOT_FLAG) {
            throw new FormatException("boot_flag", OFF_BOOT_FLAG, String.format(
                    "boot_flag is 0x%04x, expected 0xaa55", bootFlag));
        }
        if (version < MIN_VERSION) {
            throw new FormatException("version", OFF_VERSION, String.format(
                    "boot protocol %s is older than 2.12: no xloadflags, so the header cannot say the kernel"
                            + " is 64-bit; not supported", versionString(version)));
        }
        if (setupSize() > f.length) {
            throw new FormatException("setup_sects", OFF_SETUP_SECTS, String.format(
                    "setup_sects %d puts the protected-mode kernel at 0x%x, past the end of the file (0x%x)",
                    setupSectsField, setupSize(), f.length));
        }
        long start = payloadFileOffset();
        if (start > f.length) {
            throw new FormatException("payload_offset", OFF_PAYLOAD_OFFSET, String.format(
                    "payload_offset 0x%x puts the payload at file offset 0x%x, past the end of the file (0x%x)",
                    payloadOffset, start, f.length));
        }
        if (payloadLength == 0) {
            throw new FormatException("payload_length", OFF_PAYLOAD_LENGTH,
                    "payload_length is 0: the bzImage carries no compressed kernel");
        }
        if (start + payloadLength > f.length) {
            throw new FormatException("payload_length", OFF_PAYLOAD_LENGTH, String.format(
                    "payload 0x%x+0x%x ends at 0x%x, past the end of the file (0x%x)",
                    start, payloadLength, start + payloadLength, f.length));
        }
    }

    /** The kernel_version string (kernel_version + 0x200), or "" when absent or unreadable. */
    private String readKernelVersion(byte[] f) {
        if (kernelVersionPtr == 0) return "";
        int at = kernelVersionPtr + 0x200;
        int limit = (int) Math.min(f.length, setupSize());
        StringBuilder sb = new StringBuilder();
        for (int i = at; i < limit && sb.length() < 256; i++) {
            int c = f[i] & 0xff;
            if (c == 0) return sb.toString();
            if (c < 0x20 || c > 0x7e) return "";
            sb.append((char) c);
        }
        return "";
    }

    /** Quick check: the file holds the "HdrS" magic at 0x202. */
    public static boolean hasSetupHeader(byte[] file) {
        return FileBytes.startsWithAt(file, OFF_HEADER, "HdrS".getBytes(StandardCharsets.US_ASCII));
    }

    /** "2.15" for 0x020f. */
    public static String versionString(int version) {
        return String.format("%d.%02d", version >>> 8, version & 0xff);
    }

    private static String hex(byte[] f, int at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            sb.append(String.format("%02x", f[at + i] & 0xff));
        }
        return sb.toString();
    }

    // --- raw fields -----------------------------------------------------------------------

    /** setup_sects as stored (0 means 4; see {@link #setupSects()}). */
    public int setupSectsField() {
        return setupSectsField;
    }

    /** The number of 512-byte setup sectors after the boot sector (setup_sects, 0 read as 4). */
    public int setupSects() {
        return setupSectsField == 0 ? DEFAULT_SETUP_SECTS : setupSectsField;
    }

    public int rootFlags() {
        return rootFlags;
    }

    /** Size of the protected-mode code in 16-byte paragraphs. */
    public long syssize() {
        return syssize;
    }

    public int bootFlag() {
        return bootFlag;
    }

    /** The boot protocol version, e.g. 0x020f. */
    public int version() {
        return version;
    }

    public int loadflags() {
        return loadflags;
    }

    public long code32Start() {
        return code32Start;
    }

    public long ramdiskImage() {
        return ramdiskImage;
    }

    public long ramdiskSize() {
        return ramdiskSize;
    }

    public long cmdLinePtr() {
        return cmdLinePtr;
    }

    public long initrdAddrMax() {
        return initrdAddrMax;
    }

    /** The alignment the kernel needs when relocated (2 MiB for x86_64's CONFIG_PHYSICAL_ALIGN). */
    public long kernelAlignment() {
        return kernelAlignment;
    }

    public boolean relocatableKernel() {
        return relocatableKernel != 0;
    }

    /** log2 of the smallest alignment the kernel accepts. */
    public int minAlignment() {
        return minAlignment;
    }

    public int xloadflags() {
        return xloadflags;
    }

    /** The longest command line the kernel takes, without the terminating NUL. */
    public long cmdlineSize() {
        return cmdlineSize;
    }

    public long hardwareSubarch() {
        return hardwareSubarch;
    }

    /** The payload's offset from the start of the protected-mode code. */
    public long payloadOffset() {
        return payloadOffset;
    }

    public long payloadLength() {
        return payloadLength;
    }

    public long setupData() {
        return setupData;
    }

    /** The address the kernel prefers to be loaded at (LOAD_PHYSICAL_ADDR, 0x1000000 by default). */
    public long prefAddress() {
        return prefAddress;
    }

    /** Bytes of linear memory the kernel needs from its load address to decompress and initialise. */
    public long initSize() {
        return initSize;
    }

    /** The EFI handover entry's offset from the protected-mode code (64-bit entry: + 0x200). */
    public long handoverOffset() {
        return handoverOffset;
    }

    /** Offset of kernel_info from the protected-mode code; 0 before protocol 2.15. */
    public long kernelInfoOffset() {
        return kernelInfoOffset;
    }

    // --- derived --------------------------------------------------------------------------

    /** "2.15". */
    public String versionString() {
        return versionString(version);
    }

    /** Size of the boot sector plus setup code: the file offset of the protected-mode kernel. */
    public long setupSize() {
        return (setupSects() + 1L) * SECTOR;
    }

    /** File offset of the payload (setupSize() + payload_offset); inside the file once parsed. */
    public long payloadFileOffset() {
        return setupSize() + payloadOffset;
    }

    public PayloadCompression compression() {
        return compression;
    }

    /** The kernel's version string (e.g. "6.1.0-56-amd64 (debian-kernel@…) #1 SMP …"), or "". */
    public String kernelVersion() {
        return kernelVersion;
    }

    public boolean has(XLoadFlag flag) {
        return (xloadflags & flag.mask()) != 0;
    }

    public boolean has(LoadFlag flag) {
        return (loadflags & flag.mask()) != 0;
    }

    /** The xloadflags bits that are set, in bit order. */
    public List<XLoadFlag> xloadflagSet() {
        List<XLoadFlag> out = new ArrayList<>();
        for (XLoadFlag x : XLoadFlag.values()) if (has(x)) out.add(x);
        return out;
    }

    /** The names of the xloadflags bits set, in bit order, then unknown bits as "bit N". */
    public List<String> xloadflagNames() {
        List<String> out = new ArrayList<>();
        for (XLoadFlag x : xloadflagSet()) out.add(x.name());
        int known = 0;
        for (XLoadFlag x : XLoadFlag.values()) known |= x.mask();
        addUnknownBits(out, xloadflags & ~known);
        return out;
    }

    /** The names of the loadflags bits set, in bit order, then unknown bits as "bit N". */
    public List<String> loadflagNames() {
        List<String> out = new ArrayList<>();
        int known = 0;
        for (LoadFlag x : LoadFlag.values()) {
            known |= x.mask();
            if (has(x)) out.add(x.name());
        }
        addUnknownBits(out, loadflags & ~known);
        return out;
    }

    private static void addUnknownBits(List<String> out, int bits) {
        for (int b = 0; b < 16; b++) if ((bits & 1 << b) != 0) out.add("bit " + b);
    }

    @Override
    public String toString() {
        return String.format("SetupHeader[version %s, xloadflags %s, payload 0x%x+0x%x %s, pref_address 0x%x,"
                + " init_size 0x%x]", versionString(), xloadflagNames(), payloadFileOffset(), payloadLength,
                compression, prefAddress, initSize);
    }
}
