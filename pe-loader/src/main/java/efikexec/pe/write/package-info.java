/**
 * Writing PE32+ images: {@link efikexec.pe.write.PeWriter} lays out headers, sections and the
 * base relocation table, and computes the PE checksum.
 */
package efikexec.pe.write;
