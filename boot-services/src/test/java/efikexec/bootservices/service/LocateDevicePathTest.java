package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import efikexec.model.devicepath.DevicePath;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * gBS->LocateDevicePath (UEFI 2.10, 7.3): among the handles with the protocol, the one whose
 * device path is the longest whole-node prefix of the query; the caller's pointer is advanced
 * past exactly the nodes matched.
 */
class LocateDevicePathTest {
    static final Guid G1 = Guid.parse("a1a1a1a1-0000-0000-0000-000000000001");
    static final Guid G2 = Guid.parse("a2a2a2a2-0000-0000-0000-000000000002");
    static final Guid G3 = Guid.parse("a3a3a3a3-0000-0000-0000-000000000003");
    static final Guid G9 = Guid.parse("a9a9a9a9-0000-0000-0000-000000000009");
    static final Guid PROTO = Guid.parse("b0b0b0b0-1111-2222-3333-444444444444");
    static final int VENDOR_NODE = 4 + 16;

    static final DevicePath ROOT = DevicePath.EMPTY.vendorHardware(G1);
    static final DevicePath CHILD = ROOT.vendorHardware(G2);
    static final DevicePath GRANDCHILD = CHILD.filePath("\\a");

    @Nested
    class ThroughBootServices {
        final Payload p = Payload.start();
        final long proto = p.guid(PROTO);
        final long dpGuid = p.guid(KnownGuids.DEVICE_PATH);
        final long root = install(ROOT, true);
        final long child = install(CHILD, true);
        /** Longer than child, but without the protocol searched for. */
        final long grandchild = install(GRANDCHILD, false);

        long install(DevicePath dp, boolean withProtocol) {
            long h = p.cell();
            EfiStatus s = withProtocol
                    ? p.boot("InstallMultipleProtocolInterfaces", h, dpGuid, p.devicePath(dp), proto, p.scratch(8), 0)
                    : p.boot("InstallMultipleProtocolInterfaces", h, dpGuid, p.devicePath(dp), 0);
            assertThat(s).as("InstallMultipleProtocolInterfaces(%s) did not return EFI_SUCCESS", dp).isEqualTo(EfiStatus.SUCCESS);
            return p.u64(h);
        }

        @Test
        void longestPrefixWinsAndThePointerIsAdvancedPastTheMatchedNodes() {
            long query = p.devicePath(CHILD.filePath("\\a\\b"));
            long dpp = p.cell(query), device = p.cell();
            assertThat(p.boot("LocateDevicePath", proto, dpp, device)).as("LocateDevicePath did not return EFI_SUCCESS")
                    .isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).as("LocateDevicePath did not pick the handle with the longest matching path").isEqualTo(child);
            assertThat(p.u64(dpp)).as("remaining path not advanced past exactly the two matched nodes")
                    .isEqualTo(query + 2 * VENDOR_NODE);
            assertThat(DevicePath.read(p.mem, p.u64(dpp))).isEqualTo(DevicePath.EMPTY.filePath("\\a\\b"));
        }

        @Test
        void aShorterMatchIsFoundWhenTheLongerDiffers() {
            long query = p.devicePath(ROOT.vendorHardware(G3));
            long dpp = p.cell(query), device = p.cell();
            assertThat(p.boot("LocateDevicePath", proto, dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).isEqualTo(root);
            assertThat(p.u64(dpp)).isEqualTo(query + VENDOR_NODE);
        }

        @Test
        void anExactMatchLeavesThePointerOnTheEndNode() {
            long query = p.devicePath(CHILD);
            long dpp = p.cell(query), device = p.cell();
            assertThat(p.boot("LocateDevicePath", proto, dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).isEqualTo(child);
            assertThat(p.mem.readU8(p.u64(dpp))).as("remaining path is not the end node").isEqualTo(DevicePath.TYPE_END);
        }

        @Test
        void onlyHandlesWithTheProtocolCount() {
            long query = p.devicePath(GRANDCHILD);
            long dpp = p.cell(query), device = p.cell();
            assertThat(p.boot("LocateDevicePath", proto, dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).as("a handle without the protocol was matched").isEqualTo(child);
            dpp = p.cell(query);
            assertThat(p.boot("LocateDevicePath", dpGuid, dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).isEqualTo(grandchild);
            assertThat(p.mem.readU8(p.u64(dpp))).isEqualTo(DevicePath.TYPE_END);
        }

        @Test
        void noMatchIsNotFoundAndChangesNothing() {
            long query = p.devicePath(DevicePath.EMPTY.vendorHardware(G9).vendorHardware(G1));
            long dpp = p.cell(query), device = p.cell(0x4242);
            assertThat(p.boot("LocateDevicePath", proto, dpp, device))
                    .as("LocateDevicePath with no matching handle did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
            assertThat(p.u64(dpp)).isEqualTo(query);
            assertThat(p.u64(device)).isEqualTo(0x4242);
            assertThat(p.boot("LocateDevicePath", p.guid(G9), p.cell(p.devicePath(CHILD)), device))
                    .as("LocateDevicePath of a protocol no handle has did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void aNodeWhoseDataOnlyStartsLikeTheHandlesNodeDoesNotMatch() {
            // "\EFI" is a string prefix of "\EFI\BOOT", but the File nodes differ: whole nodes only.
            long efi = install(CHILD.filePath("\\EFI"), true);
            long query = p.devicePath(CHILD.filePath("\\EFI\\BOOT"));
            long dpp = p.cell(query), device = p.cell();
            assertThat(p.boot("LocateDevicePath", proto, dpp, device)).isEqualTo(EfiStatus.SUCCESS);
            assertThat(p.u64(device)).as("a partial File node matched").isNotEqualTo(efi).isEqualTo(child);
            assertThat(p.u64(dpp)).isEqualTo(query + 2 * VENDOR_NODE);
        }

        @Test
        void aQueryShorterThanEveryPathIsNotFound() {
            long query = p.devicePath(DevicePath.EMPTY);
            assertThat(p.boot("LocateDevicePath", proto, p.cell(query), p.cell()))
                    .as("LocateDevicePath of an empty path did not return EFI_NOT_FOUND").isEqualTo(EfiStatus.NOT_FOUND);
        }

        @Test
        void nullArgumentsAreInvalidParameter() {
            long dpp = p.cell(p.devicePath(CHILD));
            assertThat(p.boot("LocateDevicePath", 0, dpp, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("LocateDevicePath", proto, 0, p.cell())).isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("LocateDevicePath", proto, p.cell(0), p.cell()))
                    .as("LocateDevicePath with *DevicePath NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    /** DevicePath.isPrefixOf on its own: the rule LocateDevicePath applies. */
    @Nested
    class PrefixRule {
        @Test
        void equalAndWholeNodePrefixes() {
            assertThat(CHILD.isPrefixOf(CHILD)).isTrue();
            assertThat(ROOT.isPrefixOf(CHILD)).isTrue();
            assertThat(ROOT.isPrefixOf(GRANDCHILD)).isTrue();
            assertThat(CHILD.isPrefixOf(GRANDCHILD)).isTrue();
            assertThat(DevicePath.EMPTY.isPrefixOf(CHILD)).as("the empty path is a prefix of every path").isTrue();
        }

        @Test
        void longerOrDifferentIsNot() {
            assertThat(CHILD.isPrefixOf(ROOT)).isFalse();
            assertThat(ROOT.vendorHardware(G3).isPrefixOf(CHILD)).isFalse();
            assertThat(DevicePath.EMPTY.vendorHardware(G2).isPrefixOf(CHILD)).as("a later node alone is no prefix").isFalse();
            assertThat(ROOT.vendorMedia(G2).isPrefixOf(CHILD)).as("same data, other node type").isFalse();
        }

        @Test
        void aPartialNodeIsNot() {
            assertThat(CHILD.filePath("\\EFI").isPrefixOf(CHILD.filePath("\\EFI\\BOOT"))).isFalse();
            // Vendor node with the same GUID but extra vendor data: the GUID bytes are a byte prefix of its data.
            DevicePath longVendor = ROOT.append(DevicePath.TYPE_HARDWARE, DevicePath.SUBTYPE_VENDOR,
                    concat(G2.toBytes(), new byte[] {1, 2, 3, 4}));
            assertThat(CHILD.isPrefixOf(longVendor)).isFalse();
            assertThat(ROOT.isPrefixOf(longVendor)).isTrue();
        }

        @Test
        void matchesAreOnBytesReadFromGuestMemory() {
            Payload p = Payload.start();
            long at = p.devicePath(GRANDCHILD);
            DevicePath read = DevicePath.read(p.mem, at);
            assertThat(read).isEqualTo(GRANDCHILD);
            assertThat(read.nodesLength()).isEqualTo(GRANDCHILD.toBytes().length - 4);
            assertThat(CHILD.isPrefixOf(read)).isTrue();
        }

        static byte[] concat(byte[] x, byte[] y) {
            byte[] r = java.util.Arrays.copyOf(x, x.length + y.length);
            System.arraycopy(y, 0, r, x.length, y.length);
            return r;
        }
    }
}
