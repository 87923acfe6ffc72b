package efikexec.bootservices.variable;

import efikexec.model.Guid;
import java.util.Map;
import java.util.TreeMap;

/**
 * EFI variables held in memory for one run (nothing persists, nothing is authenticated).
 * Sorted by (vendor, name) so GetNextVariableName walks them in a fixed order.
 */
public final class VariableStore {
    public record Key(Guid vendor, String name) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = vendor.compareTo(o.vendor);
            return c != 0 ? c : name.compareTo(o.name);
        }
    }

    public record Variable(long attributes, byte[] data) {
    }

    public static final long NON_VOLATILE = 0x1;
    public static final long BOOTSERVICE_ACCESS = 0x2;
    public static final long RUNTIME_ACCESS = 0x4;

    private final TreeMap<Key, Variable> vars = new TreeMap<>();

    public Variable get(Guid vendor, String name) {
        return vars.get(new Key(vendor, name));
    }

    public void put(Guid vendor, String name, long attributes, byte[] data) {
        vars.put(new Key(vendor, name), new Variable(attributes, data.clone()));
    }

    public boolean remove(Guid vendor, String name) {
        return vars.remove(new Key(vendor, name)) != null;
    }

    /** The key after the given one (null: the first), or null at the end. */
    public Key next(Key after) {
        return after == null ? (vars.isEmpty() ? null : vars.firstKey()) : vars.higherKey(after);
    }

    public boolean contains(Key k) {
        return vars.containsKey(k);
    }

    public Map<Key, Variable> view() {
        return java.util.Collections.unmodifiableMap(vars);
    }
}
