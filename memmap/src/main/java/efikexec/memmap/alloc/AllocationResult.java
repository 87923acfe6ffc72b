package efikexec.memmap.alloc;

import efikexec.model.EfiStatus;

/**
 * The outcome of AllocatePages or AllocatePool: a status and, on SUCCESS, the address. One value
 * instead of an out-parameter, so that only the guest adapter writes into guest memory.
 *
 * @param address the allocation on SUCCESS; 0 otherwise, and also for a successful pool
 *     allocation of size 0 (see {@link PoolAllocator#allocatePool(int, long)})
 */
public record AllocationResult(EfiStatus status, long address) {

    public static AllocationResult success(long address) {
        return new AllocationResult(EfiStatus.SUCCESS, address);
    }

    public static AllocationResult failure(EfiStatus status) {
        if (!status.isError()) throw new IllegalArgumentException("not an error: " + status);
        return new AllocationResult(status, 0);
    }

    public boolean isSuccess() {
        return status == EfiStatus.SUCCESS;
    }

    @Override
    public String toString() {
        return isSuccess() ? String.format("SUCCESS 0x%x", address) : status.name();
    }
}
