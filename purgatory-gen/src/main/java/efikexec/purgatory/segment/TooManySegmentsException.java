package efikexec.purgatory.segment;

import efikexec.purgatory.BundleDoesNotFitException;

/**
 * The snapshot's memory cannot be packed into the segments kexec allows: even after merging
 * across every gap that may be covered, {@link #needed()} segments remain. Gaps that hold a
 * reserved range or lie outside RAM are the ones that cannot be covered.
 */
public final class TooManySegmentsException extends BundleDoesNotFitException {
    private final int needed;
    private final int limit;

    public TooManySegmentsException(int needed, int limit) {
        super("the snapshot needs " + needed + " segments, kexec allows " + limit);
        this.needed = needed;
        this.limit = limit;
    }

    /** The fewest segments the snapshot can be packed into on this target. */
    public int needed() {
        return needed;
    }

    public int limit() {
        return limit;
    }
}
