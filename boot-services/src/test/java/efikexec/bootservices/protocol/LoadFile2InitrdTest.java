package efikexec.bootservices.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.KnownGuids;
import efikexec.model.devicepath.DevicePath;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The initrd through LOAD_FILE2 on VenMedia(LINUX_EFI_INITRD_MEDIA), in the order the Linux EFI
 * stub's efi_load_initrd_dev_path() calls it: LocateDevicePath, HandleProtocol, LoadFile for
 * the size, LoadFile for the bytes.
 */
class LoadFile2InitrdTest {
    static final DevicePath INITRD_PATH = DevicePath.EMPTY.vendorMedia(KnownGuids.LINUX_EFI_INITRD_MEDIA);

    static byte[] initrdBytes() {
        byte[] b = new byte[12345];
        new Random(7).nextBytes(b);
        return b;
    }

    @Nested
    class WithInitrd {
        final byte[] initrd = initrdBytes();
        final Payload p = Payload.builder().initrd(initrd).build();
        final long loadFile2 = p.guid(KnownGuids.LOAD_FILE2);

        long remaining;
        long handle;

        long locate() {
            long dpp = p.cell(p.devicePath(INITRD_PATH)), device = p.cell();
            assertThat(p.boot("LocateDevicePath", loadFile2, dpp, device))
                    .as("LocateDevicePath(LOAD_FILE2, VenMedia(INITRD_MEDIA)) did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            remaining = p.u64(dpp);
            handle = p.u64(device);
            long iface = p.cell();
            assertThat(p.boot("HandleProtocol", handle, loadFile2, iface)).isEqualTo(EfiStatus.SUCCESS);
            return p.u64(iface);
        }

        @Test
        void locateDevicePathFindsTheInitrdHandle() {
            locate();
            assertThat(handle).isNotZero();
            assertThat(p.mem.readU8(remaining)).as("remaining path after the initrd node is not the end node")
                    .isEqualTo(DevicePath.TYPE_END);
            assertThat(p.fw.handles().find(handle, KnownGuids.DEVICE_PATH)).isNotNull();
        }

        @Test
        void loadFileWithSizeZeroIsBufferTooSmallWithTheSize() {
            long iface = locate();
            long size = p.cell(0);
            assertThat(p.call(p.member(iface, 0), iface, remaining, 0, size, 0))
                    .as("LoadFile with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).as("LoadFile did not report the initrd size").isEqualTo(initrd.length);
        }

        @Test
        void loadFileIntoABufferGivesTheInitrdBytes() {
            long iface = locate();
            long size = p.cell(0);
            p.call(p.member(iface, 0), iface, remaining, 0, size, 0);
            long buffer = p.pool(p.u64(size));
            assertThat(p.call(p.member(iface, 0), iface, remaining, 0, size, buffer))
                    .as("LoadFile into a buffer of the reported size did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(size)).isEqualTo(initrd.length);
            assertThat(p.mem.read(buffer, initrd.length)).as("the initrd bytes differ").isEqualTo(initrd);
        }

        @Test
        void aTooSmallBufferIsBufferTooSmallAndUntouched() {
            long iface = locate();
            long buffer = p.scratch(initrd.length);
            long size = p.cell(initrd.length - 1);
            assertThat(p.call(p.member(iface, 0), iface, remaining, 0, size, buffer)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).isEqualTo(initrd.length);
            assertThat(p.mem.read(buffer, 16)).containsOnly(0);
        }

        @Test
        void bufferSizeIsAnUnsignedUintn() {
            long iface = locate();
            long buffer = p.pool(initrd.length);
            long size = p.cell(-1L);
            assertThat(p.call(p.member(iface, 0), iface, remaining, 0, size, buffer))
                    .as("LoadFile with BufferSize 0xffffffffffffffff did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(size)).isEqualTo(initrd.length);
        }

        @Test
        void bootPolicyTrueIsUnsupported() {
            long iface = locate();
            assertThat(p.call(p.member(iface, 0), iface, remaining, 1, p.cell(0), 0))
                    .as("LoadFile with BootPolicy TRUE did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
        }

        @Test
        void aFileNameAfterTheInitrdNodeIsNotFound() {
            long iface = locate();
            long file = p.devicePath(DevicePath.EMPTY.filePath("\\initrd.img"));
            assertThat(p.call(p.member(iface, 0), iface, file, 0, p.cell(0), 0))
                    .as("LoadFile of a file path below the initrd node did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.call(p.member(iface, 0), iface, remaining, 0, 0, 0))
                    .as("LoadFile with BufferSize NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void aSecondInitrdDevicePathIsAlreadyStarted() {
            // What systemd-stub meets when the firmware already serves an initrd.
            long h = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, p.guid(KnownGuids.DEVICE_PATH), p.devicePath(INITRD_PATH),
                    loadFile2, p.scratch(8), 0))
                    .as("a second initrd device path did not return EFI_ALREADY_STARTED").isEqualTo(EfiStatus.ALREADY_STARTED);
        }
    }

    @Nested
    class WithoutInitrd {
        final Payload p = Payload.start();

        @Test
        void locateDevicePathIsNotFound() {
            long dpp = p.cell(p.devicePath(INITRD_PATH));
            assertThat(p.boot("LocateDevicePath", p.guid(KnownGuids.LOAD_FILE2), dpp, p.cell()))
                    .as("LocateDevicePath for the initrd without one did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void aPayloadCanInstallItsOwn() {
            long h = p.cell();
            assertThat(p.boot("InstallMultipleProtocolInterfaces", h, p.guid(KnownGuids.DEVICE_PATH), p.devicePath(INITRD_PATH),
                    p.guid(KnownGuids.LOAD_FILE2), p.scratch(8), 0)).isEqualTo(EfiStatus.SUCCESS);
            long dpp = p.cell(p.devicePath(INITRD_PATH)), device = p.cell();
            assertThat(p.boot("LocateDevicePath", p.guid(KnownGuids.LOAD_FILE2), dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).isEqualTo(p.u64(h));
        }
    }
}
