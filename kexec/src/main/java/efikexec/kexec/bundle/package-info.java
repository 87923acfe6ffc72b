/** A handoff bundle as {@code efikexec handoff} wrote it, read back for loading. */
package efikexec.kexec.bundle;
