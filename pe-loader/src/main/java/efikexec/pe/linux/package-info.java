/**
 * Headers the Linux kernel puts in its images: the arm64 Image header (booting.rst) and the x86
 * boot protocol's setup header of a bzImage (x86/boot.rst), with its payload's compression.
 */
package efikexec.pe.linux;
