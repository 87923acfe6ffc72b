/**
 * Headers the Linux kernel puts in its images: the arm64 Image header (booting.rst), the x86
 * boot protocol's setup header of a bzImage (x86/boot.rst), with its payload's compression, and
 * the EFI zboot header (drivers/firmware/efi/libstub/zboot-header.S: payload offset, size and
 * compression of an image that decompresses its kernel itself).
 */
package efikexec.pe.linux;
