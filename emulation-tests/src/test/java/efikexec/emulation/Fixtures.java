package efikexec.emulation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real images the emulation tests run, from the cache scripts/setup fills. A missing
 * fixture aborts the test (skipped) on a developer machine and fails it in CI (CI=true), as
 * DESIGN.md "Tests" asks.
 */
final class Fixtures {
    static final String SETUP_HINT = "run scripts/setup";

    private Fixtures() {
    }

    /**
     * The cache: $EFIKEXEC_CACHE, else the system property efikexec.cache when it is set and
     * not an unresolved Maven expression ("${env.…}"), else ~/.cache/efikexec.
     */
    static Path cache() {
        return efikexec.emulator.unicorn.UnicornRuntime.cacheDir(); // where efikexec itself looks
    }

    /** Debian bookworm's arm64 kernel (6.1): an uncompressed Image with its EFI stub. */
    static Path arm64Kernel() {
        return require(cache().resolve("fixtures").resolve("bookworm-arm64").resolve("vmlinuz"),
                "Debian bookworm arm64 kernel");
    }

    static Path amd64Kernel() {
        return require(cache().resolve("fixtures").resolve("bookworm-amd64").resolve("vmlinuz"),
                "Debian bookworm amd64 kernel");
    }

    /** The DTB of QEMU virt, cortex-a72, -m 1G: RAM 0x40000000 + 1 GiB. */
    static Path qemuVirtDtb() {
        return require(cache().resolve("fixtures").resolve("qemu-virt-a72-1g.dtb"), "QEMU virt DTB");
    }

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static Path require(Path p, String what) {
        if (Files.isRegularFile(p) && Files.isReadable(p)) return p;
        throw missing(what + " missing at " + p + ": " + SETUP_HINT);
    }

    /** A fixture or tool that is not there: fails in CI (CI=true), skips elsewhere. */
    static AssertionError missing(String message) {
        if (inCi()) Assertions.fail(message);
        Assumptions.abort(message);
        return new AssertionError("unreachable");
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A small initrd, the same bytes every time: a cpio "newc" archive holding /init (a shell
     * script) followed by seeded random filler, so that any lost or shifted byte shows. The EFI
     * stub treats it as opaque bytes.
     */
    static byte[] initrd() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] init = "#!/bin/sh\necho efikexec initrd\nexec /bin/sh\n".getBytes(StandardCharsets.US_ASCII);
        byte[] filler = new byte[200_000];
        new Random(0x5eedL).nextBytes(filler);
        cpioEntry(out, "init", 0100755, init, 1);
        cpioEntry(out, "filler", 0100644, filler, 2);
        cpioEntry(out, "TRAILER!!!", 0, new byte[0], 0);
        while (out.size() % 512 != 0) out.write(0);
        return out.toByteArray();
    }

    private static void cpioEntry(ByteArrayOutputStream out, String name, int mode, byte[] data, int ino) {
        cpioEntry(out, name, mode, data, ino, 0, 0);
    }

    /** A cpio "newc" entry; rdevMajor/rdevMinor name the device of a device node. */
    private static void cpioEntry(ByteArrayOutputStream out, String name, int mode, byte[] data, int ino, int rdevMajor,
            int rdevMinor) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        StringBuilder h = new StringBuilder("070701");
        long[] fields = {ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0};
        for (long f : fields) h.append(String.format("%08x", f));
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(nameBytes);
        pad4(out);
        out.writeBytes(data);
        pad4(out);
    }

    private static void pad4(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) out.write(0);
    }

    /**
     * A minimal, valid PE32+ image for x86_64 (machine 0x8664, EFI application subsystem): one
     * .text section holding {@code xor eax, eax; ret}. No x86 setup header, so it is a plain EFI
     * application for x86_64.
     */
    static byte[] x86_64Pe() {
        byte[] f = new byte[0x400];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z');
        b.putInt(0x3c, 0x40);
        int pe = 0x40;
        b.put(pe, (byte) 'P').put(pe + 1, (byte) 'E');
        int coff = pe + 4;
        b.putShort(coff, (short) 0x8664);
        b.putShort(coff + 2, (short) 1); // sections
        b.putShort(coff + 16, (short) 0xf0); // SizeOfOptionalHeader: 112 + 16 * 8
        b.putShort(coff + 18, (short) 0x22); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
        int opt = pe + 24;
        b.putShort(opt, (short) 0x20b);
        b.putInt(opt + 4, 0x200); // SizeOfCode
        b.putInt(opt + 16, 0x1000); // AddressOfEntryPoint
        b.putInt(opt + 20, 0x1000); // BaseOfCode
        b.putLong(opt + 24, 0); // ImageBase
        b.putInt(opt + 32, 0x1000); // SectionAlignment
        b.putInt(opt + 36, 0x200); // FileAlignment
        b.putInt(opt + 56, 0x2000); // SizeOfImage
        b.putInt(opt + 60, 0x200); // SizeOfHeaders
        b.putShort(opt + 68, (short) 10); // EFI application
        b.putInt(opt + 108, 16); // NumberOfRvaAndSizes
        int sec = opt + 0xf0;
        byte[] name = ".text\0\0\0".getBytes(StandardCharsets.US_ASCII);
        b.put(sec, name);
        b.putInt(sec + 8, 0x10); // VirtualSize
        b.putInt(sec + 12, 0x1000); // VirtualAddress
        b.putInt(sec + 16, 0x200); // SizeOfRawData
        b.putInt(sec + 20, 0x200); // PointerToRawData
        b.putInt(sec + 36, 0x60000020); // CODE | EXECUTE | READ
        f[0x200] = 0x31; // xor eax, eax
        f[0x201] = (byte) 0xc0;
        f[0x202] = (byte) 0xc3; // ret
        return f;
    }

    /**
     * An arm64 EFI zboot kernel (CONFIG_EFI_ZBOOT, gzip payload) that scripts/zboot-kernel builds
     * from Debian bookworm's linux-source, since Debian ships none: a small PE that decompresses the
     * Image and starts it through LoadImage/StartImage.
     */
    static Path zbootKernel() {
        return require(cache().resolve("fixtures").resolve("zboot-arm64").resolve("vmlinuz.efi"),
                "arm64 EFI zboot kernel (built by scripts/zboot-kernel)");
    }

    /** The same kernel with a zstd payload ("zstd22"): zboot's other decompressor. */
    static Path zbootKernelZstd() {
        return require(cache().resolve("fixtures").resolve("zboot-arm64").resolve("vmlinuz-zstd.efi"),
                "arm64 EFI zboot kernel, zstd (built by scripts/zboot-kernel)");
    }

    /** The line the handoff tests' /init prints: seeing it on the console means init ran. */
    static final String INIT_LINE = "efikexec-handoff: init reached";

    /**
     * An initramfs that boots to a shell line and powers off: Debian's static busybox as
     * /bin/busybox, an /init script that prints {@link #INIT_LINE} and powers off, and the
     * /dev/console node the kernel opens for init's output (an initramfs must bring its own).
     */
    static byte[] busyboxInitramfs(String arch) {
        Path busybox = require(cache().resolve("fixtures").resolve("busybox-" + arch).resolve("busybox"),
                "busybox-static (" + arch + ")");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] init = ("#!/bin/busybox sh\n/bin/busybox echo \"" + INIT_LINE + "\"\n/bin/busybox poweroff -f\n")
                .getBytes(StandardCharsets.US_ASCII);
        cpioEntry(out, "bin", 040755, new byte[0], 1);
        cpioEntry(out, "dev", 040755, new byte[0], 2);
        cpioEntry(out, "dev/console", 020600, new byte[0], 3, 5, 1);
        cpioEntry(out, "bin/busybox", 0100755, read(busybox), 4);
        cpioEntry(out, "init", 0100755, init, 5);
        cpioEntry(out, "TRAILER!!!", 0, new byte[0], 0);
        while (out.size() % 512 != 0) out.write(0);
        return out.toByteArray();
    }
}
