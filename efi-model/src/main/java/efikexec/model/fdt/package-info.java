/**
 * Flattened device tree (DTB) reading and writing, after the Devicetree Specification v0.4,
 * chapter 5: {@link efikexec.model.fdt.Fdt} (the blob: root node, /memreserve/ entries, boot
 * CPU) and {@link efikexec.model.fdt.FdtNode} (a node with ordered properties and children).
 *
 * <p>Written by hand because no maintained Java FDT library exists on Maven Central.
 *
 * <p>{@link efikexec.model.fdt.Fdt#parse(byte[])} treats the blob as untrusted input: every
 * defect is reported as a {@link efikexec.model.FormatException} naming the field, its byte
 * offset in the blob and what was expected, never as a runtime exception of another kind.
 * {@link efikexec.model.fdt.Fdt#toBytes()} writes the layout dtc writes (header, memory
 * reservation block, struct block, strings block with dtc's suffix-sharing deduplication), so
 * the same tree always gives the same bytes, and a dtc-compiled blob is reproduced exactly.
 */
package efikexec.model.fdt;
