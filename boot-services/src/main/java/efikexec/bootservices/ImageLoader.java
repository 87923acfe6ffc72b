package efikexec.bootservices;

import efikexec.bootservices.protocol.LoadedImageProtocol;
import efikexec.memmap.alloc.AllocationResult;
import efikexec.memmap.alloc.Placement;
import efikexec.model.FormatException;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.GuestMemory;
import efikexec.pe.PeImage;
import efikexec.pe.PeParser;
import efikexec.pe.linux.Arm64ImageHeader;
import java.nio.charset.StandardCharsets;

/**
 * Loads a PE image the way LoadImage does: pages of EfiLoaderCode for the whole SizeOfImage
 * (one descriptor covering the image and its BSS, which the arm64 kernel relies on), sections
 * placed and relocated, a handle with EFI_LOADED_IMAGE_PROTOCOL and its device path.
 */
public final class ImageLoader {
    /** The device the images seem to come from: a vendor hardware node of our own. */
    public static final Guid DEVICE_GUID = Guid.parse("4e3c0d1a-6b2f-4f8e-9a57-65666b657865");

    /**
     * arm64 Linux Images are placed 2 MiB aligned: the EFI stub runs an Image in place only at
     * that alignment (MIN_KIMG_ALIGN with nokaslr) and copies it otherwise.
     */
    public static final long ARM64_IMAGE_ALIGNMENT = 2L << 20;

    private ImageLoader() {
    }

    /**
     * Where the bzImage in an x86 UKI's .linux ends when it runs in place: systemd 252 calls the
     * kernel's EFI handover entry inside .linux when the kernel has no LoadFile2 initrd support,
     * and the kernel then uses init_size bytes from its protected-mode code on, past the end of
     * the section (.bss, heap, stack). The image's allocation keeps that room; on real firmware
     * those writes land on whatever lies after the image. 0 when it does not apply.
     */
    static long inPlaceKernelEnd(PeImage pe, byte[] file) {
        if (pe.machine() != efikexec.pe.Machine.IMAGE_FILE_MACHINE_AMD64) return 0;
        java.util.Optional<byte[]> linux = new efikexec.pe.uki.UkiSections(pe, file).bytes(".linux");
        if (linux.isEmpty() || !efikexec.pe.FileSignatures.hasX86SetupHeader(linux.get())) return 0;
        try {
            efikexec.pe.linux.SetupHeader h = efikexec.pe.linux.SetupHeader.parse(linux.get());
            return pe.section(".linux").orElseThrow().virtualAddress() + (h.setupSects() + 1L) * 512 + h.initSize();
        } catch (FormatException e) {
            return 0; // the stub will refuse that kernel itself
        }
    }

    public static LoadedImage load(Firmware fw, byte[] file, String name, Long loadAddress, String cmdline,
            String arch, long parent) {
        return load(fw, PeParser.parse(file), file, name, loadAddress, cmdline, arch, parent);
    }

    /** As above, for an image already parsed from file. */
    public static LoadedImage load(Firmware fw, PeImage pe, byte[] file, String name, Long loadAddress, String cmdline,
            String arch, long parent) {
        if (!pe.arch().equals(arch)) {
            throw new FormatException("COFF machine", pe.coffHeaderOffset(),
                    String.format("image is for %s (machine 0x%x), this run emulates %s", pe.arch(), pe.machine(), arch));
        }
        long pages = (Math.max(pe.sizeOfImage(), inPlaceKernelEnd(pe, file)) + 4095) / 4096;
        long alignment = Math.max(4096, pe.sectionAlignment());
        if (Arm64ImageHeader.isArm64Image(file)) {
            Arm64ImageHeader.parse(file); // the kernel's own header checks, before anything runs
            alignment = Math.max(alignment, ARM64_IMAGE_ALIGNMENT);
        }
        if (loadAddress != null && Long.remainderUnsigned(loadAddress, alignment(pe)) != 0) {
            throw new FirmwareException(String.format("load address 0x%x is not a multiple of the image's SectionAlignment 0x%x",
                    loadAddress, alignment(pe)));
        }
        Placement p = loadAddress != null ? new Placement.At(loadAddress) : new Placement.Anywhere(Long.highestOneBit(alignment));
        AllocationResult r = fw.pages().allocatePages(p, MemoryType.LOADER_CODE, pages);
        if (!r.isSuccess()) {
            throw new FirmwareException(loadAddress != null
                    ? String.format("cannot load %s at 0x%x: %d pages there are not free RAM (%s)", name, loadAddress, pages, r.status())
                    : String.format("no free RAM for %s (%d pages)", name, pages));
        }
        long base = r.address();
        GuestMemory mem = fw.memory();
        pe.load(file, mem, base);

        long device = deviceHandle(fw);
        DevicePath filePath = DevicePath.EMPTY.filePath("\\" + name);
        byte[] fp = filePath.toBytes();
        long fpAddr = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, fp.length);
        mem.write(fpAddr, fp);
        byte[] full = DevicePath.EMPTY.vendorHardware(DEVICE_GUID).filePath("\\" + name).toBytes();
        long fullAddr = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, full.length);
        mem.write(fullAddr, full);

        long options = 0, optionsSize = 0;
        if (cmdline != null) {
            byte[] ucs2 = (cmdline + "\0").getBytes(StandardCharsets.UTF_16LE);
            options = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, ucs2.length);
            mem.write(options, ucs2);
            optionsSize = ucs2.length;
        }
        long li = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, LoadedImageProtocol.SIZE);
        LoadedImageProtocol.write(mem, li, new LoadedImageProtocol.Fields(parent, fw.systemTable().address(), device,
                fpAddr, optionsSize, options, base, pages * 4096, MemoryType.LOADER_CODE.value(),
                MemoryType.LOADER_DATA.value()));
        long handle = fw.handles().createHandle();
        fw.handles().install(handle, KnownGuids.LOADED_IMAGE, li);
        fw.handles().install(handle, KnownGuids.LOADED_IMAGE_DEVICE_PATH, fullAddr);
        LoadedImage image = new LoadedImage(handle, base, pages * 4096, base + pe.addressOfEntryPoint(), li, pe, name);
        fw.images().add(image);
        return image;
    }

    private static long alignment(PeImage pe) {
        return Math.max(4096, pe.sectionAlignment());
    }

    /**
     * The handle of the device every image is loaded from (their LoadedImage.DeviceHandle),
     * created with its device path on first use: the ESP's SimpleFileSystem goes there too.
     */
    public static long deviceHandle(Firmware fw) {
        for (long h : fw.handles().handlesWith(KnownGuids.DEVICE_PATH)) {
            DevicePath dp = DevicePath.read(fw.memory(), fw.handles().find(h, KnownGuids.DEVICE_PATH));
            if (DevicePath.EMPTY.vendorHardware(DEVICE_GUID).equals(dp)) return h;
        }
        byte[] dp = DevicePath.EMPTY.vendorHardware(DEVICE_GUID).toBytes();
        long at = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, dp.length);
        fw.memory().write(at, dp);
        long h = fw.handles().createHandle();
        fw.handles().install(h, KnownGuids.DEVICE_PATH, at);
        return h;
    }

}
