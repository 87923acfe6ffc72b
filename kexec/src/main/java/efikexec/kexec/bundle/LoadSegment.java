package efikexec.kexec.bundle;

/**
 * One PT_LOAD of handoff.elf: a kexec segment, or the stub.
 *
 * @param mem target physical address (p_paddr)
 * @param memsz bytes in memory (p_memsz); the loader zero-fills past bufsz
 * @param fileOffset where the stored bytes start in handoff.elf (p_offset)
 * @param bufsz bytes stored (p_filesz)
 */
public record LoadSegment(long mem, long memsz, long fileOffset, long bufsz) {
    public long end() {
        return mem + memsz;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, mem) >= 0 && Long.compareUnsigned(address, end()) < 0;
    }

    @Override
    public String toString() {
        return String.format("[0x%x-0x%x) bufsz %d", mem, end(), bufsz);
    }
}
