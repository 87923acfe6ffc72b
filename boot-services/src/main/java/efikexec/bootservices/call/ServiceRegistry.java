package efikexec.bootservices.call;

import efikexec.model.EfiStatus;
import efikexec.model.memory.GuestMemory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every guest-callable function of the firmware, each with its own trap thunk. The one place
 * where guest calls enter and leave Java: it finds the service by thunk address, calls it and
 * appends the call to the trace (what U-Boot's EFI_ENTRY/EFI_EXIT do, once).
 */
public final class ServiceRegistry {

    /** A registered function: where its thunk is and what runs behind it. */
    public record Entry(int index, String name, int arity, Service service, boolean implemented, long address,
            boolean traced) {
    }

    private final FirmwareCode code;
    private final List<Entry> entries = new ArrayList<>();
    private final List<ServiceCall> trace = new ArrayList<>();
    private long base;
    private Consumer<ServiceCall> listener = c -> { };
    private String note;

    public ServiceRegistry(FirmwareCode code) {
        this.code = code;
    }

    /** Sets where the thunk region starts; must be called before any register(). */
    public void placeAt(long base) {
        if (!entries.isEmpty()) throw new IllegalStateException("thunk region placed after registration");
        this.base = base;
    }

    public int thunkSize() {
        return code.thunkSize();
    }

    /** Registers a function; returns the address of its thunk (the guest's function pointer). */
    public long register(String name, int arity, Service service) {
        return add(name, arity, service, true);
    }

    /** Firmware-internal code the guest reaches without a call (a return thunk): not traced. */
    public long registerInternal(String name, Service service) {
        int index = entries.size();
        long address = base + (long) index * code.thunkSize();
        entries.add(new Entry(index, name, 0, service, true, address, false));
        return address;
    }

    /** A slot the firmware does not implement: traced, returns EFI_UNSUPPORTED. */
    public long unsupported(String name) {
        // The real arity is unknown here: the trace shows the first four argument registers.
        return add(name, 4, a -> EfiStatus.UNSUPPORTED.code(), false);
    }

    private long add(String name, int arity, Service service, boolean implemented) {
        int index = entries.size();
        long address = base + (long) index * code.thunkSize();
        entries.add(new Entry(index, name, arity, service, implemented, address, true));
        return address;
    }

    /** Writes every thunk into guest memory (the region must be allocated by the caller). */
    public void writeThunks(GuestMemory mem) {
        for (Entry e : entries) mem.write(e.address, code.trapThunk(e.index));
    }

    public long regionSize(int capacity) {
        return (long) capacity * code.thunkSize();
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    /** The service whose thunk holds address, or null. */
    public Entry at(long address) {
        if (address < base) return null;
        long i = (address - base) / code.thunkSize();
        return i < entries.size() ? entries.get((int) i) : null;
    }


    public Entry byName(String name) {
        for (Entry e : entries) if (e.name.equals(name)) return e;
        return null;
    }

    /** Calls the service of a trap and traces it. */
    public long invoke(Entry e, CallArgs args) {
        note = null;
        long result = e.service.call(args);
        if (!e.traced) return result;
        long[] a = new long[e.arity];
        for (int i = 0; i < a.length; i++) a[i] = args.arg(i);
        ServiceCall call = new ServiceCall(trace.size() + 1, e.name, a, result, args.callerPc(), e.implemented, note);
        trace.add(call);
        listener.accept(call);
        return result;
    }

    /** Lets a running service attach a short note to its trace line (e.g. the string printed). */
    public void note(String text) {
        this.note = text;
    }

    /** Invokes the service whose thunk is at address (tests call the function pointers read from tables). */
    public long invoke(long address, CallArgs args) {
        Entry e = at(address);
        if (e == null) throw new IllegalArgumentException(String.format("no service thunk at 0x%x", address));
        return invoke(e, args);
    }

    public List<ServiceCall> trace() {
        return Collections.unmodifiableList(trace);
    }

    public void onCall(Consumer<ServiceCall> listener) {
        this.listener = listener;
    }
}
