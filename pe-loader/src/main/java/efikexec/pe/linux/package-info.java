/** Headers the Linux kernel puts in its images: the arm64 Image header (booting.rst). */
package efikexec.pe.linux;
