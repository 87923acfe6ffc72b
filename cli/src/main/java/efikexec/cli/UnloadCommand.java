package efikexec.cli;

import efikexec.kexec.host.HostSystem;
import efikexec.kexec.host.KexecPermission;
import efikexec.kexec.syscall.LinuxKexec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `efikexec unload`: drops the loaded image (kexec_load with no segments), as `kexec -u` does. */
@Command(name = "unload", mixinStandardHelpOptions = true, description = "Drop the image `efikexec load` loaded, as `kexec -u` does.")
public final class UnloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HostSystem host = HostSystem.local();
        KexecPermission.require(host);
        boolean was = host.kexecLoaded();
        new LinuxKexec(host.arch()).unload();
        spec.commandLine().getOut().println(was ? "unloaded" : "nothing was loaded");
        return ExitCodes.OK;
    }
}
