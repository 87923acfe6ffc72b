package efikexec.bootservices.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.MemoryVolume;
import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * EFI_FILE_PROTOCOL on a read-only volume, called as systemd-stub's util.c calls it:
 * open_directory() (Open + GetInfo), readdir() (Read of a directory with an 80 + 256 × 2 byte
 * buffer, again with the size asked for), file_read() (Open, GetInfo for the size, SetPosition,
 * Read in chunks) and Close.
 */
class FileProtocolTest {
    static final int OPEN = 1, CLOSE = 2, DELETE = 3, READ = 4, WRITE = 5, GET_POSITION = 6, SET_POSITION = 7,
            GET_INFO = 8, SET_INFO = 9, FLUSH = 10;
    static final String DROPIN = "EFI/Linux/uki.efi.extra.d";
    static final byte[] SYSEXT = random(10_000);

    final MemoryVolume volume = new MemoryVolume()
            .file("EFI/Linux/uki.efi", random(3000))
            .file(DROPIN + "/a.cred", "secret=1\n")
            .file(DROPIN + "/b.addon.efi", random(600))
            .file(DROPIN + "/c.sysext.raw", SYSEXT)
            .directory(DROPIN + "/d")
            .file("loader/credentials/global.cred", "g")
            .directory("empty");
    final Payload p = SimpleFileSystemTest.withVolume(volume);
    final long root = SimpleFileSystemTest.openVolume(p);

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    EfiStatus open(long from, String name, long mode, long out) {
        return p.call(p.member(from, OPEN), from, out, p.ucs2(name), mode, 0);
    }

    /** Opens for reading, asserting success; the new handle. */
    long open(long from, String name) {
        long out = p.cell();
        assertThat(open(from, name, FileProtocol.MODE_READ, out)).as("Open(\"%s\", READ)", name).isEqualTo(EfiStatus.SUCCESS);
        return p.u64(out);
    }

    EfiStatus read(long file, long sizeCell, long buffer) {
        return p.call(p.member(file, READ), file, sizeCell, buffer);
    }

    byte[] readAll(long file, int chunk) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long buffer = p.scratch(chunk);
        while (true) {
            long size = p.cell(chunk);
            assertThat(read(file, size, buffer)).as("Read").isEqualTo(EfiStatus.SUCCESS);
            if (p.u64(size) == 0) return out.toByteArray();
            out.writeBytes(p.mem.read(buffer, (int) p.u64(size)));
        }
    }

    /** EFI_FILE_INFO, decoded. */
    record Info(long size, long fileSize, long physicalSize, byte[] createTime, byte[] modificationTime, long attribute,
            String name) {
        boolean directory() {
            return (attribute & FileProtocol.ATTRIBUTE_DIRECTORY) != 0;
        }
    }

    Info decode(long at) {
        long size = p.u64(at);
        return new Info(size, p.u64(at + 8), p.u64(at + 16), p.mem.read(at + 24, 16), p.mem.read(at + 56, 16),
                p.u64(at + 72), p.mem.readUcs2(at + FileProtocol.FILE_INFO_SIZE, 300));
    }

    /** get_file_info(): GetInfo with a small buffer, then with the size asked for. */
    Info info(long file) {
        long type = p.guid(KnownGuids.FILE_INFO);
        long size = p.cell(FileProtocol.FILE_INFO_SIZE);
        long buffer = p.scratch(1024);
        EfiStatus s = p.call(p.member(file, GET_INFO), file, type, size, buffer);
        if (s == EfiStatus.BUFFER_TOO_SMALL) s = p.call(p.member(file, GET_INFO), file, type, size, buffer);
        assertThat(s).as("GetInfo(EFI_FILE_INFO_ID)").isEqualTo(EfiStatus.SUCCESS);
        return decode(buffer);
    }

    /** readdir() until the end: the names in the order given. */
    List<String> list(long dir) {
        List<String> names = new ArrayList<>();
        long buffer = p.scratch(FileProtocol.FILE_INFO_SIZE + 512);
        while (true) {
            long size = p.cell(FileProtocol.FILE_INFO_SIZE + 512);
            assertThat(read(dir, size, buffer)).as("Read of a directory").isEqualTo(EfiStatus.SUCCESS);
            if (p.u64(size) == 0) return names;
            Info i = decode(buffer);
            assertThat(i.size()).as("EFI_FILE_INFO.Size is what Read returned").isEqualTo(p.u64(size));
            names.add(i.name());
        }
    }

    @Nested
    class Opening {
        @Test
        void aFileByItsFullPathReadsAsItsBytes() {
            long f = open(root, "\\EFI\\Linux\\uki.efi.extra.d\\a.cred");
            assertThat(new String(readAll(f, 4096), StandardCharsets.UTF_8)).isEqualTo("secret=1\n");
            assertThat(p.call(p.member(f, CLOSE), f)).isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void namesMatchWhateverTheirCaseAndKeepTheVolumesSpelling() {
            long f = open(root, "\\efi\\LINUX\\UKI.EFI.EXTRA.D\\A.Cred");
            assertThat(info(f).name()).isEqualTo("a.cred");
        }

        @Test
        void aRelativeNameStartsFromTheDirectoryHandle() {
            long dir = open(root, "EFI\\Linux\\uki.efi.extra.d");
            assertThat(info(dir).directory()).isTrue();
            long f = open(dir, "a.cred");
            assertThat(info(f).fileSize()).isEqualTo(9);
            long up = open(dir, "..\\uki.efi");
            assertThat(info(up).name()).isEqualTo("uki.efi");
            long absolute = open(dir, "\\loader\\credentials\\global.cred");
            assertThat(info(absolute).name()).isEqualTo("global.cred");
        }

        @Test
        void dotsAndRepeatedSeparatorsWalkTheTreeButNotAboveTheRoot() {
            assertThat(info(open(root, "\\EFI\\.\\Linux\\\\..\\Linux\\uki.efi")).name()).isEqualTo("uki.efi");
            assertThat(info(open(root, "")).directory()).as("an empty name opens the same directory again").isTrue();
            assertThat(info(open(root, "\\")).name()).as("the root's name is empty").isEmpty();
            assertThat(open(root, "..", FileProtocol.MODE_READ, p.cell())).as("\"..\" at the root").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(open(root, "\\EFI\\..\\..\\EFI", FileProtocol.MODE_READ, p.cell())).isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void whatIsNotThereIsNotFound() {
            long out = p.cell(0x1234);
            assertThat(open(root, "\\EFI\\Linux\\other.efi.extra.d", FileProtocol.MODE_READ, out))
                    .as("systemd-stub takes EFI_NOT_FOUND for 'no drop-in directory'").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.u64(out)).as("NewHandle was written on failure").isEqualTo(0x1234);
            assertThat(open(root, "\\EFI\\Linux\\uki.efi\\x", FileProtocol.MODE_READ, out))
                    .as("a name below a file").isEqualTo(EfiStatus.NOT_FOUND);
            long file = open(root, "\\EFI\\Linux\\uki.efi");
            assertThat(open(file, "x", FileProtocol.MODE_READ, out)).as("a relative name from a file").isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void namesFatCannotHoldAndBadArgumentsAreInvalidParameter() {
            assertThat(open(root, "\\EFI\\a*b", FileProtocol.MODE_READ, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(open(root, "EFI:", FileProtocol.MODE_READ, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(open(root, "x".repeat(256), FileProtocol.MODE_READ, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.call(p.member(root, OPEN), root, 0, p.ucs2("EFI"), FileProtocol.MODE_READ, 0))
                    .as("NewHandle NULL").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.call(p.member(root, OPEN), root, p.cell(), 0, FileProtocol.MODE_READ, 0))
                    .as("FileName NULL").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(open(root, "EFI", FileProtocol.MODE_WRITE, p.cell())).as("write without read").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(open(root, "EFI", FileProtocol.MODE_READ | FileProtocol.MODE_CREATE, p.cell()))
                    .as("create without write").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.call(p.member(root, OPEN), 0x4000_1234L, p.cell(), p.ucs2("EFI"), FileProtocol.MODE_READ, 0))
                    .as("a This that is no open file").isEqualTo(EfiStatus.INVALID_PARAMETER);
        }

        @Test
        void openingForWritingIsWriteProtectedWhetherOrNotTheFileExists() {
            long rw = FileProtocol.MODE_READ | FileProtocol.MODE_WRITE;
            assertThat(open(root, "\\EFI\\Linux\\uki.efi", rw, p.cell())).isEqualTo(EfiStatus.WRITE_PROTECTED);
            assertThat(open(root, "\\new.txt", rw | FileProtocol.MODE_CREATE, p.cell())).isEqualTo(EfiStatus.WRITE_PROTECTED);
        }

        @Test
        void everyCallIsTracedWithTheNameOpened() {
            open(root, "\\loader\\credentials");
            assertThat(p.trace()).anyMatch(c -> c.name().equals("File.Open") && "\\loader\\credentials".equals(c.note()));
        }
    }

    @Nested
    class ReadingFiles {
        final long f = open(root, "\\EFI\\Linux\\uki.efi.extra.d\\c.sysext.raw");

        @Test
        void readsAdvanceThePositionAndStopAtTheEnd() {
            long buffer = p.scratch(4096);
            long size = p.cell(4096);
            assertThat(read(f, size, buffer)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(size)).isEqualTo(4096);
            long position = p.cell();
            assertThat(p.call(p.member(f, GET_POSITION), f, position)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(position)).isEqualTo(4096);
            assertThat(readAll(f, 3000)).isEqualTo(java.util.Arrays.copyOfRange(SYSEXT, 4096, SYSEXT.length));
            size = p.cell(10);
            assertThat(read(f, size, buffer)).as("a read at the end").isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(size)).isZero();
        }

        @Test
        void setPositionMovesAnywhereAndAllOnesMeansTheEnd() {
            assertThat(p.call(p.member(f, SET_POSITION), f, 9000)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(readAll(f, 4096)).isEqualTo(java.util.Arrays.copyOfRange(SYSEXT, 9000, SYSEXT.length));
            assertThat(p.call(p.member(f, SET_POSITION), f, -1L)).isEqualTo(EfiStatus.SUCCESS);
            long position = p.cell();
            p.call(p.member(f, GET_POSITION), f, position);
            assertThat(p.u64(position)).isEqualTo(SYSEXT.length);
            assertThat(p.call(p.member(f, SET_POSITION), f, SYSEXT.length + 1L)).as("beyond the end is allowed").isEqualTo(EfiStatus.SUCCESS);
            assertThat(read(f, p.cell(16), p.scratch(16))).as("a read beyond the end").isEqualTo(EfiStatus.DEVICE_ERROR);
        }

        @Test
        void aZeroSizeReadWithoutABufferSucceedsAndOtherwiseABufferIsNeeded() {
            assertThat(read(f, p.cell(0), 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(read(f, p.cell(16), 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(read(f, 0, p.scratch(16))).as("BufferSize NULL").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.call(p.member(f, GET_POSITION), f, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class ReadingDirectories {
        @Test
        void oneEntryACallInTheVolumesOrderThenSizeZero() {
            long dir = open(root, "\\EFI\\Linux\\uki.efi.extra.d");
            assertThat(list(dir)).containsExactly("a.cred", "b.addon.efi", "c.sysext.raw", "d");
            assertThat(list(dir)).as("after the end").isEmpty();
            assertThat(list(root)).containsExactly("EFI", "empty", "loader");
            assertThat(list(open(root, "empty"))).isEmpty();
            assertThat(volume.reads()).as("listing read file contents").isZero();
        }

        @Test
        void entriesTellFilesFromDirectoriesWithTheirSizes() {
            long dir = open(root, "\\EFI\\Linux\\uki.efi.extra.d");
            long buffer = p.scratch(1024);
            List<Info> infos = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                assertThat(read(dir, p.cell(1024), buffer)).isEqualTo(EfiStatus.SUCCESS);
                infos.add(decode(buffer));
            }
            assertThat(infos.get(2).fileSize()).isEqualTo(SYSEXT.length);
            assertThat(infos.get(2).physicalSize()).isEqualTo(12288);
            assertThat(infos.get(2).attribute()).isEqualTo(FileProtocol.ATTRIBUTE_READ_ONLY);
            assertThat(infos.get(3).directory()).isTrue();
            assertThat(infos.get(3).fileSize()).isZero();
        }

        @Test
        void aSmallBufferIsBufferTooSmallWithTheSizeAndTheEntryIsKept() {
            long dir = open(root, "\\EFI\\Linux\\uki.efi.extra.d");
            long size = p.cell(FileProtocol.FILE_INFO_SIZE);
            long buffer = p.scratch(1024);
            assertThat(read(dir, size, buffer)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).as("the size needed for \"a.cred\"").isEqualTo(FileProtocol.FILE_INFO_SIZE + 2 * 7);
            assertThat(read(dir, size, buffer)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(decode(buffer).name()).isEqualTo("a.cred");
        }

        @Test
        void positionsAreOnlyARestart() {
            long dir = open(root, "\\EFI\\Linux\\uki.efi.extra.d");
            list(dir);
            assertThat(p.call(p.member(dir, SET_POSITION), dir, 0)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(list(dir)).hasSize(4);
            assertThat(p.call(p.member(dir, SET_POSITION), dir, 2)).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.call(p.member(dir, GET_POSITION), dir, p.cell())).isEqualTo(EfiStatus.UNSUPPORTED);
        }
    }

    @Nested
    class Information {
        @Test
        void fileInfoWithItsSizesFixedTimeAndName() {
            long f = open(root, "\\EFI\\Linux\\uki.efi");
            long size = p.cell(0);
            long type = p.guid(KnownGuids.FILE_INFO);
            assertThat(p.call(p.member(f, GET_INFO), f, type, size, 0)).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).isEqualTo(FileProtocol.FILE_INFO_SIZE + 2 * 8);
            Info i = info(f);
            assertThat(i.size()).isEqualTo(FileProtocol.FILE_INFO_SIZE + 2 * 8);
            assertThat(i.fileSize()).isEqualTo(3000);
            assertThat(i.physicalSize()).isEqualTo(4096);
            assertThat(i.name()).isEqualTo("uki.efi");
            // 2026-01-01 00:00:00, time zone unspecified (0x07ff): the same in every run, whatever the host says.
            byte[] time = {(byte) 0xea, 0x07, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, 0x07, 0, 0};
            assertThat(i.createTime()).isEqualTo(time);
            assertThat(i.modificationTime()).isEqualTo(time);
            assertThat(volume.reads()).as("GetInfo read the file").isZero();
        }

        @Test
        void fileSystemInfoAndVolumeLabel() {
            long size = p.cell(256);
            long buffer = p.scratch(256);
            assertThat(p.call(p.member(root, GET_INFO), root, p.guid(KnownGuids.FILE_SYSTEM_INFO), size, buffer))
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.mem.readU8(buffer + 8)).as("ReadOnly").isEqualTo(1);
            assertThat(p.u64(buffer + 24)).as("FreeSpace").isZero();
            assertThat(p.mem.readU32(buffer + 32)).as("BlockSize").isEqualTo(FileProtocol.BLOCK_SIZE);
            assertThat(p.u64(buffer + 16)).as("VolumeSize: four files of one cluster and one of three").isEqualTo(7 * 4096);
            assertThat(p.mem.readUcs2(buffer + FileProtocol.FILE_SYSTEM_INFO_SIZE, 20)).isEqualTo("ESP");
            assertThat(p.call(p.member(root, GET_INFO), root, p.guid(KnownGuids.FILE_SYSTEM_VOLUME_LABEL), p.cell(256), buffer))
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.mem.readUcs2(buffer, 20)).isEqualTo("ESP");
        }

        @Test
        void unknownInformationIsUnsupported() {
            long other = p.guid(Guid.parse("12345678-1234-1234-1234-123456789abc"));
            assertThat(p.call(p.member(root, GET_INFO), root, other, p.cell(256), p.scratch(256))).isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.call(p.member(root, GET_INFO), root, 0, p.cell(256), p.scratch(256))).isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class Refusals {
        final long f = open(root, "\\EFI\\Linux\\uki.efi");

        @Test
        void writeAndSetInfoAreWriteProtectedAndFlushHasNothingToDo() {
            assertThat(p.call(p.member(f, WRITE), f, p.cell(4), p.scratch(4))).isEqualTo(EfiStatus.WRITE_PROTECTED);
            assertThat(p.call(p.member(root, WRITE), root, p.cell(4), p.scratch(4))).as("Write to a directory")
                    .isEqualTo(EfiStatus.UNSUPPORTED);
            assertThat(p.call(p.member(f, SET_INFO), f, p.guid(KnownGuids.FILE_INFO), 100, p.scratch(100)))
                    .isEqualTo(EfiStatus.WRITE_PROTECTED);
            assertThat(p.call(p.member(f, FLUSH), f)).isEqualTo(EfiStatus.SUCCESS);
        }

        @Test
        void deleteClosesTheHandleWithAWarning() {
            assertThat(p.call(p.member(f, DELETE), f)).isEqualTo(EfiStatus.WARN_DELETE_FAILURE);
            assertThat(EfiStatus.WARN_DELETE_FAILURE.isError()).isFalse();
            assertThat(p.call(p.member(f, CLOSE), f)).as("Close after Delete").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(volume.isFile("EFI/Linux/uki.efi")).isTrue();
        }

        @Test
        void aClosedHandleIsNoLongerAFileAndItsMemoryIsReused() {
            assertThat(p.call(p.member(f, CLOSE), f)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(read(f, p.cell(4), p.scratch(4))).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(open(root, "EFI")).as("the next Open reuses the closed interface").isEqualTo(f);
        }

        @Test
        void openingAndClosingLeavesTheMemoryMapAlone() {
            p.call(p.member(f, CLOSE), f);
            long key = p.mapKey();
            for (int i = 0; i < 200; i++) {
                long h = open(root, "\\EFI\\Linux\\uki.efi.extra.d\\a.cred");
                readAll(h, 64);
                p.call(p.member(h, CLOSE), h);
            }
            assertThat(p.mapKey()).as("MapKey changed").isEqualTo(key);
        }
    }
}
