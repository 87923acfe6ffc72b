package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.call.Binding;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Events and task priority, only as far as the stubs we run use them: events can be created
 * and closed (they are never signalled: no timers, no notifications run here), TPL is a
 * number that RaiseTPL/RestoreTPL keep. SetTimer, WaitForEvent and SignalEvent stay
 * unsupported, so a stub that waits on a key or a timer fails visibly in the trace.
 */
public final class EventServices {
    private static final long TPL_APPLICATION = 4;

    private final Firmware fw;
    private final TreeSet<Long> events = new TreeSet<>();
    private long tpl = TPL_APPLICATION;

    public EventServices(Firmware fw) {
        this.fw = fw;
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("RaiseTPL", new Binding(1, a -> {
            long old = tpl;
            tpl = a.arg(0);
            return old;
        }));
        b.put("RestoreTPL", new Binding(1, a -> {
            tpl = a.arg(0);
            return 0;
        }));
        b.put("CreateEvent", new Binding(5, a -> createEvent(a.arg(4))));
        b.put("CreateEventEx", new Binding(6, a -> createEvent(a.arg(5))));
        b.put("CloseEvent", new Binding(1, a -> events.remove(a.arg(0)) ? EfiStatus.SUCCESS.code()
                : EfiStatus.INVALID_PARAMETER.code()));
        b.put("CheckEvent", new Binding(1, a -> events.contains(a.arg(0)) ? EfiStatus.NOT_READY.code()
                : EfiStatus.INVALID_PARAMETER.code()));
        return b;
    }

    private long createEvent(long eventPtr) {
        if (eventPtr == 0) return EfiStatus.INVALID_PARAMETER.code();
        long e = fw.heap().allocate(MemoryType.BOOT_SERVICES_DATA, 16);
        events.add(e);
        fw.memory().writeU64(eventPtr, e);
        return EfiStatus.SUCCESS.code();
    }
}
