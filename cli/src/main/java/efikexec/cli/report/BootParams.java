package efikexec.cli.report;

import efikexec.model.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an x86 kernel receives at startup_64: struct boot_params at rsi
 * (arch/x86/include/uapi/asm/bootparam.h), as the report shows it: the command line, the
 * e820 table the stub built from our memory map, efi_info and the initrd fields.
 */
public final class BootParams {
    private static final int EXT_RAMDISK_IMAGE = 0x0c0;
    private static final int EXT_RAMDISK_SIZE = 0x0c4;
    private static final int EXT_CMD_LINE_PTR = 0x0c8;
    private static final int EFI_INFO = 0x1c0;
    private static final int E820_ENTRIES = 0x1e8;
    private static final int HDR_RAMDISK_IMAGE = 0x218;
    private static final int HDR_RAMDISK_SIZE = 0x21c;
    private static final int HDR_CMD_LINE_PTR = 0x228;
    private static final int E820_TABLE = 0x2d0;
    private static final int E820_MAX = 128;
    private static final int SIZE = 4096;
    private static final int CMDLINE_MAX = 64 * 1024;
    /** "EL64" */
    public static final long EFI_LOADER_SIGNATURE_64 = 0x34364c45L;

    private BootParams() {
    }

    public static Map<String, Object> read(GuestMemory mem, long at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", Hex.of(at));
        if (!mem.isMapped(at, SIZE)) {
            m.put("error", "not in RAM");
            return m;
        }
        long cmd = mem.readU32(at + HDR_CMD_LINE_PTR) | (mem.readU32(at + EXT_CMD_LINE_PTR) << 32);
        m.put("cmdline", cmd != 0 && mem.isMapped(cmd, 1) ? cString(mem, cmd) : null);
        m.put("cmdLinePtr", Hex.of(cmd));
        Map<String, Object> efi = new LinkedHashMap<>();
        long sig = mem.readU32(at + EFI_INFO);
        efi.put("loaderSignature", new String(mem.read(at + EFI_INFO, 4), StandardCharsets.US_ASCII));
        efi.put("systemTable", Hex.of(mem.readU32(at + EFI_INFO + 4) | (mem.readU32(at + EFI_INFO + 0x18) << 32)));
        efi.put("memoryDescriptorSize", mem.readU32(at + EFI_INFO + 8));
        efi.put("memoryDescriptorVersion", mem.readU32(at + EFI_INFO + 0x0c));
        efi.put("memoryMap", Hex.of(mem.readU32(at + EFI_INFO + 0x10) | (mem.readU32(at + EFI_INFO + 0x1c) << 32)));
        efi.put("memoryMapSize", mem.readU32(at + EFI_INFO + 0x14));
        efi.put("signatureValid", sig == EFI_LOADER_SIGNATURE_64);
        m.put("efiInfo", efi);
        long rd = mem.readU32(at + HDR_RAMDISK_IMAGE) | (mem.readU32(at + EXT_RAMDISK_IMAGE) << 32);
        long rdSize = mem.readU32(at + HDR_RAMDISK_SIZE) | (mem.readU32(at + EXT_RAMDISK_SIZE) << 32);
        Map<String, Object> ramdisk = new LinkedHashMap<>();
        ramdisk.put("image", Hex.of(rd));
        ramdisk.put("size", rdSize);
        String digest = digestOf(mem, rd, rdSize);
        if (digest != null) ramdisk.put("sha256", digest);
        m.put("ramdisk", ramdisk);
        int n = Math.min(mem.readU8(at + E820_ENTRIES), E820_MAX);
        List<Map<String, Object>> e820 = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long e = at + E820_TABLE + 20L * i;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("start", Hex.of(mem.readU64(e)));
            entry.put("size", Hex.of(mem.readU64(e + 8)));
            entry.put("type", e820Type(mem.readU32(e + 16)));
            e820.add(entry);
        }
        m.put("e820", e820);
        return m;
    }

    static String e820Type(long t) {
        return switch ((int) t) {
            case 1 -> "usable";
            case 2 -> "reserved";
            case 3 -> "ACPI data";
            case 4 -> "ACPI NVS";
            case 5 -> "unusable";
            case 7 -> "persistent";
            case 12 -> "persistent (legacy)";
            case 0xefffffff -> "soft reserved";
            default -> "type " + t;
        };
    }

    private static String cString(GuestMemory mem, long at) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < CMDLINE_MAX && mem.isMapped(at + i, 1); i++) {
            int c = mem.readU8(at + i);
            if (c == 0) break;
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Initrds up to this size get a digest in the report: what the kernel will unpack, checked. */
    static final long DIGEST_LIMIT = 1L << 30;

    /** SHA-256 of [at, at + size) of guest memory, or null when empty, too large or not mapped. */
    public static String digestOf(GuestMemory mem, long at, long size) {
        if (size <= 0 || size > DIGEST_LIMIT || !mem.isMapped(at, size)) return null;
        return ImageDigest.sha256(mem.read(at, (int) size));
    }
}
