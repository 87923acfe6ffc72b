/**
 * PE32+ images: parsing ({@link efikexec.pe.PeParser}), loading with BSS zero-fill and base
 * relocations ({@link efikexec.pe.PeLoader}), telling image formats apart
 * ({@link efikexec.pe.ImageIdentifier}), and writing them ({@link efikexec.pe.write.PeWriter}).
 *
 * <p>Written by hand because no maintained Java library parses and loads PE32+ images with base
 * relocations for both arm64 and x86_64.
 *
 * <p>Every malformed input is reported as a {@link efikexec.model.FormatException} naming the
 * PE field and its file offset; no other exception type escapes the parser for any input.
 */
package efikexec.pe;
