/** PE base relocations: the .reloc table's blocks, checked, listed and applied to a loaded image. */
package efikexec.pe.reloc;
