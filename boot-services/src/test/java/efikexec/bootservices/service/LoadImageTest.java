package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.protocol.LoadedImageProtocol;
import efikexec.bootservices.testing.Payload;
import efikexec.bootservices.testing.SyntheticEfiApp;
import efikexec.memmap.MemoryDescriptor;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.MemoryType;
import efikexec.model.devicepath.DevicePath;
import org.junit.jupiter.api.Test;

/** gBS->LoadImage from a source buffer and gBS->UnloadImage, called through the table. */
class LoadImageTest {
    final Payload p = Payload.start();

    private long load(byte[] file, long devicePath, long handleOut) {
        long src = p.bytes(file);
        return p.invokeBoot("LoadImage", 0, p.image.handle(), devicePath, src, file.length, handleOut);
    }

    @Test
    void loadsAChildWithItsOwnLoadedImageAndParent() {
        byte[] child = SyntheticEfiApp.aarch64();
        long out = p.cell();
        long dp = p.devicePath(DevicePath.EMPTY.filePath("\\EFI\\Linux\\child.efi"));
        assertThat(EfiStatus.fromCode(load(child, dp, out))).as("LoadImage did not return EFI_SUCCESS")
                .isEqualTo(EfiStatus.SUCCESS);
        long handle = p.u64(out);
        Long li = p.fw.handles().find(handle, KnownGuids.LOADED_IMAGE);
        assertThat(li).as("the child has no LOADED_IMAGE_PROTOCOL").isNotNull();
        assertThat(p.mem.readU64(li + LoadedImageProtocol.PARENT_HANDLE)).isEqualTo(p.image.handle());
        assertThat(p.mem.readU64(li + LoadedImageProtocol.SYSTEM_TABLE)).isEqualTo(p.systemTable());
        long base = p.mem.readU64(li + LoadedImageProtocol.IMAGE_BASE);
        assertThat(base % 4096).isZero();
        // Sections are in place: the .text bytes at their RVA equal the file's.
        assertThat(p.mem.read(base + SyntheticEfiApp.TEXT_RVA, 16)).isEqualTo(java.util.Arrays.copyOfRange(child,
                (int) SyntheticEfiApp.TEXT_RAW, (int) SyntheticEfiApp.TEXT_RAW + 16));
        MemoryDescriptor d = p.fw.memoryMap().find(base);
        assertThat(d.type()).isEqualTo(MemoryType.LOADER_CODE);
        assertThat(p.fw.image(handle).name()).isEqualTo("child.efi");
    }

    /** A handle with a device path and a LoadFile2 whose function lives at {@code function}. */
    private DevicePath loadFile2Device(long function) {
        DevicePath device = DevicePath.EMPTY.vendorMedia(efikexec.model.Guid.parse("e565a30d-47da-4dbd-b354-9bb5c84f8be2"));
        long handle = p.fw.handles().createHandle();
        p.fw.handles().install(handle, KnownGuids.DEVICE_PATH, p.devicePath(device));
        p.fw.handles().install(handle, KnownGuids.LOAD_FILE2, p.cell(function));
        return device;
    }

    /**
     * Through a LoadFile2 of guest code (as zboot serves its kernel): the service asks for two
     * guest calls, size then contents, and its status is the load's; the guest is played here.
     */
    @Test
    void loadsThroughTheLoadFile2OnTheDevicePath() {
        byte[] child = SyntheticEfiApp.aarch64();
        long function = 0x4100_0000L;
        DevicePath device = loadFile2Device(function);
        long out = p.cell();
        long dp = p.devicePath(device.filePath("\\kernel"));
        p.boot("LoadImage", 0, p.image.handle(), dp, 0, 0, out);
        var first = (efikexec.bootservices.FirmwareEvent.CallGuest) p.fw.takeEvent();
        assertThat(first.function()).isEqualTo(function);
        assertThat(first.args()).hasSize(5);
        assertThat(first.args().get(0)).as("This")
                .isEqualTo(p.fw.handles().find(p.fw.handles().handlesWith(KnownGuids.LOAD_FILE2).get(0), KnownGuids.LOAD_FILE2));
        assertThat(DevicePath.read(p.mem, first.args().get(1)).toString()).as("the rest of the path").contains("kernel");
        assertThat(first.args().get(2)).as("BootPolicy").isZero();
        assertThat(first.args().get(4)).as("no buffer: asking for the size").isZero();
        p.mem.writeU64(first.args().get(3), child.length);
        var second = (efikexec.bootservices.FirmwareEvent.CallGuest) first.then().apply(EfiStatus.BUFFER_TOO_SMALL.code());
        long buffer = second.args().get(4);
        assertThat(buffer).isNotZero();
        p.mem.write(buffer, child);
        var done = (efikexec.bootservices.FirmwareEvent.ServiceDone) second.then().apply(EfiStatus.SUCCESS.code());
        assertThat(EfiStatus.fromCode(done.status())).isEqualTo(EfiStatus.SUCCESS);
        long handle = p.u64(out);
        assertThat(p.fw.image(handle)).as("the child is loaded").isNotNull();
        assertThat(p.mem.read(p.fw.image(handle).base() + SyntheticEfiApp.TEXT_RVA, 16)).isEqualTo(java.util.Arrays.copyOfRange(
                child, (int) SyntheticEfiApp.TEXT_RAW, (int) SyntheticEfiApp.TEXT_RAW + 16));
        assertThat(p.fw.pool().allocatePool(MemoryType.BOOT_SERVICES_DATA, 8).address()).as("the buffers went back to the pool")
                .isLessThanOrEqualTo(Math.max(buffer, first.args().get(3)));
    }

    @Test
    void aLoadFile2ThatFailsGivesItsStatus() {
        DevicePath device = loadFile2Device(0x4100_0000L);
        long out = p.cell();
        p.boot("LoadImage", 0, p.image.handle(), p.devicePath(device), 0, 0, out);
        var first = (efikexec.bootservices.FirmwareEvent.CallGuest) p.fw.takeEvent();
        var done = (efikexec.bootservices.FirmwareEvent.ServiceDone) first.then().apply(EfiStatus.NOT_FOUND.code());
        assertThat(EfiStatus.fromCode(done.status())).isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.u64(out)).as("no handle written").isZero();
    }

    @Test
    void refusesWhatIsNotALoadableImage() {
        long out = p.cell();
        assertThat(EfiStatus.fromCode(load(new byte[] {1, 2, 3, 4}, 0, out))).as("garbage did not give EFI_LOAD_ERROR")
                .isEqualTo(EfiStatus.LOAD_ERROR);
        assertThat(EfiStatus.fromCode(load(SyntheticEfiApp.build(SyntheticEfiApp.MACHINE_X86_64), 0, out)))
                .as("an x86_64 image on an arm64 firmware did not give EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(p.boot("LoadImage", 0, p.image.handle(), 0, 0, 0, out)).as("no source buffer, no path: EFI_NOT_FOUND")
                .isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("LoadImage", 0, 0x1234, 0, p.bytes(SyntheticEfiApp.aarch64()), 0x400, out))
                .as("a forged parent handle did not give EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("LoadImage", 0, p.image.handle(), 0, p.bytes(SyntheticEfiApp.aarch64()), 0x400, 0))
                .as("a NULL ImageHandle did not give EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
    }

    @Test
    void unloadImageFreesTheChildAndRefusesTheStartedImage() {
        long out = p.cell();
        load(SyntheticEfiApp.aarch64(), 0, out);
        long handle = p.u64(out);
        long base = p.fw.image(handle).base();
        long key = p.fw.memoryMap().mapKey();
        assertThat(p.boot("UnloadImage", handle)).as("UnloadImage did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.fw.memoryMap().find(base).type()).isEqualTo(MemoryType.CONVENTIONAL);
        assertThat(p.fw.memoryMap().mapKey()).isNotEqualTo(key);
        assertThat(p.fw.handles().isHandle(handle)).as("the child's handle outlived it").isFalse();
        assertThat(p.boot("UnloadImage", handle)).as("a second UnloadImage did not give EFI_INVALID_PARAMETER")
                .isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.boot("UnloadImage", p.image.handle())).as("the started image has no Unload: EFI_UNSUPPORTED")
                .isEqualTo(EfiStatus.UNSUPPORTED);
    }
}
