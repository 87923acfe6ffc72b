package efikexec.pe.authenticode;

import static efikexec.pe.FileBytes.u16;
import static efikexec.pe.FileBytes.u32;

import efikexec.model.FormatException;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One WIN_CERTIFICATE entry of the certificate table: dwLength (the entry's length, header
 * included), wRevision, wCertificateType and bCertificate. Entries follow each other at 8-byte
 * aligned offsets.
 *
 * @param offset file offset of the entry (of dwLength)
 */
public record WinCertificate(long offset, long length, int revision, int type, byte[] content) {
    public static final int HEADER_SIZE = 8;
    public static final int WIN_CERT_REVISION_2_0 = 0x0200;
    public static final int WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;

    /** Whether this entry holds an Authenticode PKCS#7 SignedData (the only kind UEFI db checks use). */
    public boolean isPkcsSignedData() {
        return revision == WIN_CERT_REVISION_2_0 && type == WIN_CERT_TYPE_PKCS_SIGNED_DATA;
    }

    /** File offset of bCertificate. */
    public long contentOffset() {
        return offset + HEADER_SIZE;
    }

    /** Every entry of the image's certificate table, in order; empty when the image has none. */
    public static List<WinCertificate> parseTable(PeImage pe, byte[] file) {
        DataDirectory dir = pe.securityDirectory();
        List<WinCertificate> entries = new ArrayList<>();
        if (dir.isEmpty()) return entries;
        long dirField = pe.dataDirectoryOffset(DataDirectory.SECURITY);
        long start = dir.rva();
        long end = start + dir.size();
        if (end > file.length) {
            // PeParser refuses this already; checked again because the bytes below depend on it
            throw new FormatException("CertificateTable", dirField, String.format(
                    "certificate table 0x%x..0x%x runs past the end of the file (0x%x bytes)", start, end, file.length));
        }
        if (start % 8 != 0) {
            throw new FormatException("CertificateTable", dirField, String.format(
                    "certificate table at file offset 0x%x is not 8-byte aligned", start));
        }
        long at = start;
        while (at < end) {
            if (end - at < HEADER_SIZE) {
                throw new FormatException("WIN_CERTIFICATE", at, String.format(
                        "0x%x bytes left in the certificate table, fewer than a WIN_CERTIFICATE header (8)", end - at));
            }
            long length = u32(file, at, "dwLength");
            int revision = u16(file, at + 4, "wRevision");
            int type = u16(file, at + 6, "wCertificateType");
            if (length < HEADER_SIZE || length > end - at) {
                throw new FormatException("dwLength", at, String.format(
                        "WIN_CERTIFICATE length 0x%x does not fit the certificate table (0x%x bytes left from 0x%x)",
                        length, end - at, at));
            }
            byte[] content = Arrays.copyOfRange(file, (int) (at + HEADER_SIZE), (int) (at + length));
            entries.add(new WinCertificate(at, length, revision, type, content));
            at += (length + 7) & ~7L;
        }
        return entries;
    }
}
