package efikexec.pe;

/**
 * What {@link ImageIdentifier} found.
 *
 * @param arch "aarch64" or "x86_64", from the PE machine
 * @param pe the parsed and checked PE image
 */
public record IdentifiedImage(ImageFormat format, String arch, PeImage pe) {}
