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

    /**
     * The value a function just returned (x0 on arm64, rax on x86): what a return thunk reached
     * by a guest's return instruction sees, where there are no arguments.
     */
    default long returnedValue() {
        return arg(0);
    }

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
