package efikexec.cli;

import efikexec.cli.input.EnvironmentException;
import efikexec.kexec.host.HostSystem;
import efikexec.kexec.host.KexecPermission;
import efikexec.kexec.syscall.LinuxKexec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `efikexec exec`: reboot(2) into the image `efikexec load` loaded, as `kexec -e` does (file systems are synced first). */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = "Reboot into the loaded bundle now (reboot(2) LINUX_REBOOT_CMD_KEXEC), as `kexec -e` does.")
public final class ExecCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        HostSystem host = HostSystem.local();
        KexecPermission.require(host);
        if (!host.kexecLoaded()) {
            throw new EnvironmentException("nothing is loaded (/sys/kernel/kexec_loaded is 0): run efikexec load first");
        }
        new LinuxKexec(host.arch()).exec();
        return ExitCodes.OK; // not reached: the machine is now running the new kernel
    }
}
