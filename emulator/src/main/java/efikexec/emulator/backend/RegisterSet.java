package efikexec.emulator.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An ordered set of registers read or written together: a register dump, a saved context. */
public record RegisterSet(List<? extends Register> registers) {
    public RegisterSet {
        registers = List.copyOf(registers);
    }

    public static RegisterSet of(Register... registers) {
        return new RegisterSet(List.of(registers));
    }

    public long[] read(EmulatorBackend cpu) {
        long[] v = new long[registers.size()];
        for (int i = 0; i < v.length; i++) v[i] = cpu.read(registers.get(i));
        return v;
    }

    public void write(EmulatorBackend cpu, long[] values) {
        for (int i = 0; i < registers.size(); i++) cpu.write(registers.get(i), values[i]);
    }

    /** label → value, in order (reports and dumps). */
    public Map<String, Long> readLabelled(EmulatorBackend cpu) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Register r : registers) m.put(r.label(), cpu.read(r));
        return m;
    }
}
