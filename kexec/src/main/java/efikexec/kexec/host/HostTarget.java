package efikexec.kexec.host;

import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.memmap.source.E820MemorySource;
import efikexec.memmap.source.FdtMemorySource;
import efikexec.model.FormatException;
import efikexec.model.fdt.Fdt;
import efikexec.model.fdt.FdtNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This machine as the target of a handoff bundle ({@code --host}): the firmware's memory map
 * as the running kernel received it — x86: /sys/firmware/memmap (unchanged by mem= and
 * memmap=, the table kexec-tools hands on too); arm64: /sys/firmware/fdt — with the
 * crash-kernel ranges of /proc/iomem added to the reserved ones (memory a normal kexec must
 * leave alone), the ACPI RSDP, the SMBIOS entry point and the console the running kernel
 * writes to.
 *
 * @param memory RAM and reserved ranges
 * @param dtb arm64: the firmware's device tree (the new kernel's too); null on x86
 * @param acpi the RSDP, or null when none was found
 * @param smbios the SMBIOS entry point, or null when none was found
 * @param console the running kernel's first console from /proc/consoles ("ttyS0"), or null
 */
public record HostTarget(TargetMemory memory, byte[] dtb, AcpiRsdp acpi, SmbiosEntryPoint smbios, String console) {

    public static HostTarget read(HostSystem host) {
        FirmwareMap map = map(host);
        // one read of each for both searches: the systab's text and the 128 KiB BIOS area
        Optional<String> systab = host.text("/sys/firmware/efi/systab");
        Supplier<Optional<byte[]>> biosArea = BiosArea.once(host);
        return new HostTarget(map.memory, map.dtb, AcpiRsdp.find(systab, biosArea).orElse(null),
                SmbiosEntryPoint.find(systab, biosArea).orElse(null), console(host).orElse(null));
    }

    /**
     * This machine's memory map alone, with the crash kernel reserved: what a bundle is checked
     * against before kexec_load (no ACPI, SMBIOS or console: /dev/mem is not read).
     */
    public static TargetMemory memory(HostSystem host) {
        return map(host).memory;
    }

    /** The memory map, and on arm64 the device tree it came from (for the next boot). */
    private record FirmwareMap(TargetMemory memory, byte[] dtb) {
    }

    private static FirmwareMap map(HostSystem host) {
        TargetMemory firmware;
        byte[] dtb = null;
        if (host.arch().equals("x86_64")) {
            if (!Files.isDirectory(host.path("/sys/firmware/memmap"))) {
                throw new HostException("/sys/firmware/memmap: missing (a kernel without CONFIG_FIRMWARE_MEMMAP): "
                        + "this machine's memory map is unknown; give it with --memmap");
            }
            try {
                firmware = E820MemorySource.readSysfs(host.path("/sys/firmware/memmap"));
            } catch (FormatException e) {
                throw new HostException("/sys/firmware/memmap: " + e.describe());
            } catch (IOException e) {
                throw new HostException("/sys/firmware/memmap: cannot read: " + e.getMessage());
            }
        } else {
            dtb = host.bytes("/sys/firmware/fdt").orElseThrow(() -> new HostException(
                    "/sys/firmware/fdt: missing: this machine's device tree is unknown; give it with --dtb"));
            try {
                dtb = forNextBoot(dtb);
                firmware = FdtMemorySource.read(dtb);
            } catch (FormatException e) {
                throw new HostException("/sys/firmware/fdt: " + e.describe());
            }
        }
        List<PhysicalRange> reserved = new ArrayList<>(firmware.reserved());
        Optional<String> iomemText = host.text("/proc/iomem");
        if (iomemText.isPresent()) {
            IoMem iomem;
            try {
                iomem = IoMem.parse(iomemText.get());
            } catch (FormatException e) {
                throw new HostException("/proc/iomem: " + e.describe());
            }
            if (iomem.addressesHidden()) {
                throw new HostException("/proc/iomem: every address reads as 0 (not root): the crash kernel's "
                        + "memory cannot be found; run as root");
            }
            for (PhysicalRange c : iomem.crashKernel()) if (!reserved.contains(c)) reserved.add(c);
        }
        reserved.sort(null);
        return new FirmwareMap(new TargetMemory(firmware.ram(), reserved), dtb);
    }

    /**
     * /chosen properties of the running boot that must not reach the next one (kexec-tools drops
     * them too): the initrd the old boot loader placed, and kdump's. The new kernel takes a
     * device-tree initrd over the EFI one, so a stale linux,initrd-start made a kexec'd 6.1 kernel
     * in a QEMU virt guest unpack its own image as the initrd and oops in free_initrd_mem.
     */
    static final List<String> STALE_CHOSEN = List.of("linux,initrd-start", "linux,initrd-end", "linux,elfcorehdr",
            "linux,usable-memory-range");

    /** The running system's device tree without {@link #STALE_CHOSEN}; the same bytes when it has none. */
    static byte[] forNextBoot(byte[] dtb) {
        Fdt fdt = Fdt.parse(dtb);
        Optional<FdtNode> chosen = fdt.node("/chosen");
        boolean changed = false;
        if (chosen.isPresent()) {
            for (String p : STALE_CHOSEN) changed |= chosen.get().removeProperty(p);
        }
        return changed ? fdt.toBytes() : dtb;
    }

    /** The first console of /proc/consoles ("ttyS0 -W- (EC p a) 4:64" → "ttyS0"). */
    static Optional<String> console(HostSystem host) {
        return host.text("/proc/consoles").flatMap(t -> t.lines().filter(l -> !l.isBlank()).findFirst())
                .map(l -> l.strip().split("\\s+")[0]);
    }

    /** The 16550 port of an x86 ttyS console (the PC's standard four), or 0 when it is none of them. */
    public static int x86SerialPort(String console) {
        if (console == null) return 0;
        return switch (console) {
            case "ttyS0" -> 0x3f8;
            case "ttyS1" -> 0x2f8;
            case "ttyS2" -> 0x3e8;
            case "ttyS3" -> 0x2e8;
            default -> 0;
        };
    }
}
