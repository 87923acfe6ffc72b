package efikexec.kexec.load;

/**
 * The bundle was made for another machine (architecture or memory map): the machine, not the
 * bundle file, is what does not fit, so the CLI reports it as a refusal of the environment.
 */
public class WrongMachineException extends LoadRefusedException {
    public WrongMachineException(String message) {
        super(message);
    }
}
