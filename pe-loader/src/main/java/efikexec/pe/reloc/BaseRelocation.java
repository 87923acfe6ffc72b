package efikexec.pe.reloc;

/**
 * One relocation site.
 *
 * @param type {@link BaseRelocations#IMAGE_REL_BASED_DIR64} or {@link BaseRelocations#IMAGE_REL_BASED_HIGHLOW}
 * @param rva where the value to patch lives in the loaded image
 * @param blockOffset file offset of the relocation block holding this entry
 */
public record BaseRelocation(int type, long rva, long blockOffset) {
    /** Bytes patched at the site: 8 for DIR64, 4 for HIGHLOW. */
    public int width() {
        return type == BaseRelocations.IMAGE_REL_BASED_DIR64 ? 8 : 4;
    }
}
