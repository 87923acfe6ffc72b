/**
 * The snapshot's memory as kexec segments: page-aligned ranges, merged to at most
 * KEXEC_SEGMENT_MAX, each stored as its non-zero prefix, and the SHA-256 each is checked against.
 * Pure computation over byte arrays: nothing here reads files or guest memory.
 */
package efikexec.purgatory.segment;
