package efikexec.pe.authenticode;

import efikexec.model.FormatException;
import efikexec.pe.DataDirectory;
import efikexec.pe.PeImage;
import efikexec.pe.PeSection;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Authenticode digest of a PE image, as the PE/COFF specification's "Calculating the PE
 * Image Hash" and edk2's DxeImageVerificationLib compute it:
 * <ol>
 *   <li>the headers up to SizeOfHeaders, without the CheckSum field and without the Certificate
 *       Table data-directory entry (both change when an image is signed);
 *   <li>each section's SizeOfRawData bytes, in ascending PointerToRawData order (sections with
 *       none skipped);
 *   <li>what the file holds beyond SizeOfHeaders plus the sections' bytes, less the size of the
 *       certificate table, which the specification assumes ends the file.
 * </ol>
 * An unsigned image whose length is not a multiple of 8 is hashed as if padded with zeros to
 * one: signing tools (sbsign, osslsigncode) pad it so that the certificate table starts 8-byte
 * aligned, and that pad is hashed in the signed image; without it no signed copy could match.
 */
public final class AuthenticodeDigest {
    private static final int CHECKSUM_SIZE = 4;
    private static final int DATA_DIRECTORY_ENTRY_SIZE = 8;

    private AuthenticodeDigest() {}

    public static byte[] sha256(PeImage pe, byte[] file) {
        return compute(pe, file, DigestAlgorithm.SHA256);
    }

    /** The digest with this algorithm; {@code pe} must be the parse of {@code file}. */
    public static byte[] compute(PeImage pe, byte[] file, DigestAlgorithm algorithm) {
        MessageDigest md = algorithm.newDigest();
        long sizeOfHeaders = pe.sizeOfHeaders();
        long checksum = pe.checksumFieldOffset();
        boolean hasCertEntry = pe.dataDirectories().size() > DataDirectory.SECURITY;
        long certEntry = pe.dataDirectoryOffset(DataDirectory.SECURITY);
        long headersNeeded = hasCertEntry ? certEntry + DATA_DIRECTORY_ENTRY_SIZE : checksum + CHECKSUM_SIZE;
        if (sizeOfHeaders < headersNeeded) {
            throw new FormatException("SizeOfHeaders", pe.optionalHeaderOffset() + 60, String.format(
                    "SizeOfHeaders 0x%x ends inside the optional header (its %s ends at 0x%x):"
                            + " the Authenticode digest cannot skip it", sizeOfHeaders,
                    hasCertEntry ? "Certificate Table entry" : "CheckSum field", headersNeeded));
        }
        update(md, file, 0, checksum);
        if (hasCertEntry) {
            update(md, file, checksum + CHECKSUM_SIZE, certEntry);
            update(md, file, certEntry + DATA_DIRECTORY_ENTRY_SIZE, sizeOfHeaders);
        } else {
            // no Certificate Table entry: the image cannot be signed, but it still has a digest
            update(md, file, checksum + CHECKSUM_SIZE, sizeOfHeaders);
        }

        List<PeSection> sections = new ArrayList<>(pe.sections());
        sections.removeIf(s -> s.sizeOfRawData() == 0);
        sections.sort(Comparator.comparingLong(PeSection::pointerToRawData));
        long hashed = sizeOfHeaders;
        for (PeSection s : sections) {
            // PeParser has checked that every section's raw data lies inside the file
            update(md, file, s.pointerToRawData(), s.pointerToRawData() + s.sizeOfRawData());
            hashed += s.sizeOfRawData();
        }

        long certSize = pe.securityDirectory().size();
        if (file.length > hashed + certSize) {
            update(md, file, hashed, file.length - certSize);
        }
        if (certSize == 0 && file.length % 8 != 0) {
            md.update(new byte[8 - file.length % 8]);
        }
        return md.digest();
    }

    private static void update(MessageDigest md, byte[] file, long from, long to) {
        md.update(file, (int) from, (int) (to - from));
    }
}
