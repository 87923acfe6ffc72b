package efikexec.bootservices.service;

import efikexec.bootservices.Firmware;
import efikexec.bootservices.FirmwareEvent;
import efikexec.bootservices.call.Binding;
import efikexec.bootservices.call.CallArgs;
import efikexec.model.EfiStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exit and ExitBootServices (UEFI 2.10, 7.4). LoadImage/StartImage/UnloadImage for images
 * loaded by the guest are not here yet: the first image is loaded by the firmware itself
 * ({@link efikexec.bootservices.ImageLoader}); those slots stay unsupported and traced.
 */
public final class ImageServices {
    private final Firmware fw;

    public ImageServices(Firmware fw) {
        this.fw = fw;
    }

    public Map<String, Binding> bindings() {
        Map<String, Binding> b = new LinkedHashMap<>();
        b.put("Exit", new Binding(4, this::exit));
        b.put("ExitBootServices", new Binding(2, this::exitBootServices));
        return b;
    }

    private long exit(CallArgs a) {
        long handle = a.arg(0), status = a.arg(1);
        if (fw.image(handle) == null) return EfiStatus.INVALID_PARAMETER.code();
        fw.post(new FirmwareEvent.ImageReturned(handle, status, true, a.callerPc()));
        return EfiStatus.SUCCESS.code();
    }

    /**
     * A stale MapKey fails as on real firmware (the Linux stub then gets the map again and
     * retries); on success the tables lose their boot-time pointers.
     */
    private long exitBootServices(CallArgs a) {
        long handle = a.arg(0), key = a.arg(1);
        if (fw.image(handle) == null) return EfiStatus.INVALID_PARAMETER.code();
        if (key != fw.memoryMap().mapKey()) {
            fw.registry().note(String.format("stale MapKey 0x%x, current 0x%x", key, fw.memoryMap().mapKey()));
            return EfiStatus.INVALID_PARAMETER.code();
        }
        fw.systemTable().exitBootServices();
        fw.markBootServicesExited();
        fw.post(new FirmwareEvent.BootServicesExited(handle));
        return EfiStatus.SUCCESS.code();
    }
}
