package efikexec.pe.authenticode;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The digest algorithms an Authenticode SpcIndirectDataContent may name. */
public enum DigestAlgorithm {
    SHA1("SHA-1", "1.3.14.3.2.26"),
    SHA256("SHA-256", "2.16.840.1.101.3.4.2.1"),
    SHA384("SHA-384", "2.16.840.1.101.3.4.2.2"),
    SHA512("SHA-512", "2.16.840.1.101.3.4.2.3");

    private final String jcaName;
    private final String oid;

    DigestAlgorithm(String jcaName, String oid) {
        this.jcaName = jcaName;
        this.oid = oid;
    }

    /** "SHA-256" and so on: the JCA name, also what reports show. */
    public String displayName() {
        return jcaName;
    }

    public String oid() {
        return oid;
    }

    /** The algorithm with this object identifier, or null when Authenticode does not use it. */
    public static DigestAlgorithm ofOid(String oid) {
        for (DigestAlgorithm a : values()) {
            if (a.oid.equals(oid)) return a;
        }
        return null;
    }

    MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            // every Java SE runtime must provide these four
            throw new IllegalStateException(jcaName + " missing from this Java runtime", e);
        }
    }
}
