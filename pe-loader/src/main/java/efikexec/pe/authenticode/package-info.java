/**
 * Authenticode, the signature UEFI Secure Boot checks before it runs an image: the image digest
 * ({@link efikexec.pe.authenticode.AuthenticodeDigest}), the signatures embedded in the
 * certificate table ({@link efikexec.pe.authenticode.Authenticode}) and the firmware's db check
 * against a set of trusted X.509 certificates ({@link efikexec.pe.authenticode.TrustDb}).
 *
 * <p>It lives here because efikexec replaces the firmware at load time: a kexec of an image that
 * Secure Boot would have refused must be refusable too, for the same reasons and with the same
 * digest that signing tools (sbsign, osslsigncode, pesign) compute. The PE side is written by
 * hand like the rest of pe-loader; PKCS#7 and X.509 are left to Bouncy Castle and the JDK,
 * since hand-written ASN.1 and signature checks are where verifiers go wrong.
 *
 * <p>Malformed input (a certificate table or PKCS#7 blob that cannot be read, headers the digest
 * cannot be computed over) is a {@link efikexec.model.FormatException} naming the field and its
 * file offset. A signature that parses but does not verify is not an exception: it is reported.
 */
package efikexec.pe.authenticode;
