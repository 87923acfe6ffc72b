/**
 * Whether a bundle may be loaded on this machine: the checks kexec_load(2) does not make
 * (EFI-NOTES "kexec": it takes segments in reserved or MMIO ranges and an entry outside every
 * segment without complaint) and the ones it does, said in our words before the call.
 */
package efikexec.kexec.load;
