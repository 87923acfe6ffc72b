package efikexec.bootservices.call;

/**
 * The arguments of one guest call to a service, in the order of the C prototype. The
 * emulator reads them from registers and the stack by the architecture's calling convention;
 * tests give them directly.
 */
public interface CallArgs {
    long arg(int index);

    /** The address the service returns to (for the trace and fault reports). */
    long callerPc();

    static CallArgs of(long... args) {
        return new CallArgs() {
            @Override
            public long arg(int index) {
                return index < args.length ? args[index] : 0;
            }

            @Override
            public long callerPc() {
                return 0;
            }
        };
    }
}
