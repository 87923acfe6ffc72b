package efikexec.bootservices.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareOptions;
import efikexec.bootservices.FirmwareSetup;
import efikexec.bootservices.ImageLoader;
import efikexec.bootservices.testing.MemoryVolume;
import efikexec.bootservices.testing.Payload;
import efikexec.bootservices.testing.SyntheticEfiApp;
import efikexec.bootservices.testing.TestFirmwareCode;
import efikexec.memmap.PhysicalRange;
import efikexec.memmap.TargetMemory;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.devicepath.DevicePath;
import efikexec.model.memory.ByteArrayGuestMemory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL on the device the image came from, reached as systemd-stub's
 * open_volume() reaches it: HandleProtocol on LoadedImage.DeviceHandle, then OpenVolume; and
 * LoadImage from a device path on it, as systemd-stub loads its addons.
 *
 * <p>The Payload harness builds its firmware without a volume, so most tests install one on
 * the image's device handle afterwards: calls go through ServiceRegistry.invoke by thunk address,
 * which does not need the thunk bytes FirmwareSetup writes into guest memory at its end.
 */
class SimpleFileSystemTest {
    static final int OPEN_VOLUME = 1;
    static final String ADDON = "EFI/Linux/uki.efi.extra.d/a.addon.efi";

    /** A payload whose image's device carries a SimpleFileSystem over volume. */
    static Payload withVolume(MemoryVolume volume) {
        Payload p = Payload.start();
        SimpleFileSystemProtocol.install(p.fw, ImageLoader.deviceHandle(p.fw), volume);
        return p;
    }

    /** open_volume(): the root directory's EFI_FILE_HANDLE. */
    static long openVolume(Payload p) {
        long device = p.mem.readU64(p.image.loadedImageProtocol() + LoadedImageProtocol.DEVICE_HANDLE);
        long out = p.cell();
        assertThat(p.boot("HandleProtocol", device, p.guid(KnownGuids.SIMPLE_FILE_SYSTEM), out))
                .as("HandleProtocol(DeviceHandle, SIMPLE_FILE_SYSTEM) did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long sfs = p.u64(out);
        assertThat(p.u64(sfs)).as("SimpleFileSystem Revision").isEqualTo(SimpleFileSystemProtocol.REVISION);
        long root = p.cell();
        assertThat(p.call(p.member(sfs, OPEN_VOLUME), sfs, root)).as("OpenVolume did not return EFI_SUCCESS")
                .isEqualTo(EfiStatus.SUCCESS);
        return p.u64(root);
    }

    @Test
    void theFirmwareInstallsItOnTheImagesDeviceAndGivesTheImageItsEspPath() {
        ByteArrayGuestMemory mem = new ByteArrayGuestMemory(Payload.RAM_BASE, Payload.RAM_SIZE);
        TargetMemory target = new TargetMemory(List.of(new PhysicalRange(Payload.RAM_BASE, Payload.RAM_SIZE)), List.of());
        FirmwareOptions o = new FirmwareOptions(target, SyntheticEfiApp.aarch64(), "uki.efi", null, null, null, 1, null,
                text -> { }).withEsp(new MemoryVolume().file(ADDON, "x"), "EFI\\Linux\\uki.efi");
        FirmwareSetup.Built built = FirmwareSetup.build(mem, new TestFirmwareCode(), o);
        Firmware fw = built.firmware();
        long li = built.image().loadedImageProtocol();
        long device = mem.readU64(li + LoadedImageProtocol.DEVICE_HANDLE);
        assertThat(fw.handles().find(device, KnownGuids.SIMPLE_FILE_SYSTEM))
                .as("no SimpleFileSystem on LoadedImage.DeviceHandle").isNotNull();
        assertThat(DevicePath.read(mem, mem.readU64(li + LoadedImageProtocol.FILE_PATH)))
                .as("FilePath: systemd-stub derives \\EFI\\Linux\\uki.efi.extra.d from it")
                .isEqualTo(DevicePath.EMPTY.filePath("\\EFI\\Linux\\uki.efi"));
        long entry = mem.readU64(fw.handles().find(device, KnownGuids.SIMPLE_FILE_SYSTEM) + 8);
        assertThat(mem.read(entry, 8)).as("OpenVolume's thunk was not written into guest memory").isNotEqualTo(new byte[8]);
    }

    @Test
    void withoutAVolumeTheDeviceHasNoneAndHandleProtocolIsUnsupported() {
        Payload p = Payload.start();
        long device = p.mem.readU64(p.image.loadedImageProtocol() + LoadedImageProtocol.DEVICE_HANDLE);
        assertThat(p.boot("HandleProtocol", device, p.guid(KnownGuids.SIMPLE_FILE_SYSTEM), p.cell()))
                .as("systemd-stub takes EFI_UNSUPPORTED for 'no file system': nothing to pick up")
                .isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void openVolumeGivesANewRootHandleEachTimeAndRefusesANullOut() {
        Payload p = withVolume(new MemoryVolume().file(ADDON, "x"));
        long a = openVolume(p), b = openVolume(p);
        assertThat(a).isNotEqualTo(b);
        long sfs = p.fw.handles().find(ImageLoader.deviceHandle(p.fw), KnownGuids.SIMPLE_FILE_SYSTEM);
        assertThat(p.call(p.member(sfs, OPEN_VOLUME), sfs, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.trace()).anyMatch(c -> c.name().equals("SimpleFileSystem.OpenVolume"));
    }

    /** LoadImage(FALSE, parent, DevicePath, NULL, 0, &handle): systemd-stub's shim_load_image(). */
    @Test
    void loadImageFromADevicePathReadsTheFileThroughTheVolume() {
        byte[] addon = SyntheticEfiApp.aarch64();
        Payload p = withVolume(new MemoryVolume().file(ADDON, addon));
        long device = ImageLoader.deviceHandle(p.fw);
        DevicePath deviceDp = DevicePath.read(p.mem, p.fw.handles().find(device, KnownGuids.DEVICE_PATH));
        // make_file_device_path(): the device's path and one FILEPATH node; the case need not match.
        long dp = p.devicePath(deviceDp.filePath("\\efi\\linux\\UKI.efi.extra.d\\a.addon.efi"));
        long out = p.cell();
        assertThat(p.boot("LoadImage", 0, p.image.handle(), dp, 0, 0, out))
                .as("LoadImage of a file on the ESP did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        long li = p.fw.handles().find(p.u64(out), KnownGuids.LOADED_IMAGE);
        long base = p.mem.readU64(li + LoadedImageProtocol.IMAGE_BASE);
        assertThat(p.mem.read(base + SyntheticEfiApp.TEXT_RVA, 16)).as("the addon's .text is not in place")
                .isEqualTo(java.util.Arrays.copyOfRange(addon, (int) SyntheticEfiApp.TEXT_RAW, (int) SyntheticEfiApp.TEXT_RAW + 16));
        assertThat(p.fw.image(p.u64(out)).name()).isEqualTo("a.addon.efi");

        // Consecutive FILEPATH nodes make one path.
        long split = p.devicePath(deviceDp.filePath("\\EFI\\Linux").filePath("uki.efi.extra.d\\a.addon.efi"));
        assertThat(p.boot("LoadImage", 0, p.image.handle(), split, 0, 0, out)).isEqualTo(EfiStatus.SUCCESS);
    }

    @Test
    void loadImageFromADevicePathIsNotFoundWithoutSuchAFile() {
        Payload p = withVolume(new MemoryVolume().file(ADDON, SyntheticEfiApp.aarch64()));
        DevicePath deviceDp = DevicePath.read(p.mem, p.fw.handles().find(ImageLoader.deviceHandle(p.fw), KnownGuids.DEVICE_PATH));
        long out = p.cell();
        long missing = p.devicePath(deviceDp.filePath("\\EFI\\Linux\\other.efi"));
        assertThat(p.boot("LoadImage", 0, p.image.handle(), missing, 0, 0, out))
                .as("a file not on the volume did not give EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        long directory = p.devicePath(deviceDp.filePath("\\EFI\\Linux"));
        assertThat(p.boot("LoadImage", 0, p.image.handle(), directory, 0, 0, out))
                .as("a directory did not give EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        long elsewhere = p.devicePath(DevicePath.EMPTY.filePath("\\" + ADDON.replace('/', '\\')));
        assertThat(p.boot("LoadImage", 0, p.image.handle(), elsewhere, 0, 0, out))
                .as("a path on no device with a SimpleFileSystem did not give EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        assertThat(p.boot("LoadImage", 0, p.image.handle(), p.devicePath(deviceDp), 0, 0, out))
                .as("the device alone, with no file, did not give EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
    }

    @Test
    void aFileThatIsNoImageIsALoadError() {
        Payload p = withVolume(new MemoryVolume().file(ADDON, "not a PE"));
        DevicePath deviceDp = DevicePath.read(p.mem, p.fw.handles().find(ImageLoader.deviceHandle(p.fw), KnownGuids.DEVICE_PATH));
        long dp = p.devicePath(deviceDp.filePath("\\" + ADDON.replace('/', '\\')));
        assertThat(p.boot("LoadImage", 0, p.image.handle(), dp, 0, 0, p.cell())).isEqualTo(EfiStatus.LOAD_ERROR);
    }
}
