/**
 * The handoff bundle's files and layout: where the stub goes, handoff.elf (one PT_LOAD per
 * segment plus the stub) and the manifest.json content. The stub's code itself is
 * {@code efikexec.purgatory.stub}'s; here it is bytes at an address.
 */
package efikexec.purgatory.bundle;
