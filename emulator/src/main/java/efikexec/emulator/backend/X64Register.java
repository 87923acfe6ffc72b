package efikexec.emulator.backend;

import java.util.List;
import java.util.Locale;

/** The x86_64 registers the emulator reads and writes; engines map them to their own ids. */
public enum X64Register implements Register {
    RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15,
    RIP, EFLAGS, CS, DS, ES, SS, FS, GS, CR0, CR3, CR4;

    /** The registers a register dump shows, in order. */
    public static final List<X64Register> DUMP = List.of(RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11,
            R12, R13, R14, R15, RIP, EFLAGS, CR0, CR3, CR4);

    @Override
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
