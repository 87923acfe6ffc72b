package efikexec.pe;

import efikexec.model.FormatException;
import efikexec.model.memory.GuestMemory;
import efikexec.model.memory.GuestMemoryException;
import efikexec.pe.reloc.BaseRelocation;
import efikexec.pe.reloc.BaseRelocations;
import java.util.List;

/**
 * Places a parsed PE32+ image in guest memory the way an EFI LoadImage does: the whole
 * SizeOfImage span zeroed, headers and each section's file data copied, the rest of each section
 * left zero (BSS), base relocations applied for the difference between load address and ImageBase.
 */
public final class PeLoader {
    private PeLoader() {}

    /**
     * Loads {@code image}, parsed from {@code file}, at {@code loadAddress}. The relocation table is
     * read and checked before memory is touched, so a malformed one leaves memory unchanged.
     *
     * @throws FormatException if the image must be relocated and its relocations are malformed, or
     *     were stripped
     * @throws GuestMemoryException if [loadAddress, loadAddress + SizeOfImage) is not mapped
     * @throws IllegalArgumentException if {@code file} is not the file {@code image} was parsed from
     */
    public static LoadedImage load(PeImage image, byte[] file, GuestMemory mem, long loadAddress) {
        if (file.length != image.fileSize()) {
            throw new IllegalArgumentException(String.format(
                    "file has 0x%x bytes, but the image was parsed from a file of 0x%x bytes",
                    file.length, image.fileSize()));
        }
        if (!mem.isMapped(loadAddress, image.sizeOfImage())) {
            throw new GuestMemoryException(loadAddress, image.sizeOfImage());
        }
        long delta = loadAddress - image.imageBase();
        List<BaseRelocation> relocations = List.of();
        if (delta != 0) {
            relocations = BaseRelocations.parse(image, file);
            if (relocations.isEmpty() && image.relocationsStripped()) {
                throw new FormatException("Characteristics", image.coffHeaderOffset() + 18, String.format(
                        "relocations were stripped (IMAGE_FILE_RELOCS_STRIPPED): the image can only be loaded"
                                + " at its ImageBase 0x%x, not at 0x%x", image.imageBase(), loadAddress));
            }
        }
        mem.fill(loadAddress, image.sizeOfImage(), 0);
        mem.write(loadAddress, file, 0, (int) image.sizeOfHeaders());
        for (PeSection s : image.sections()) {
            long n = s.fileBackedSize();
            if (n > 0) mem.write(loadAddress + s.virtualAddress(), file, (int) s.pointerToRawData(), (int) n);
        }
        BaseRelocations.apply(relocations, mem, loadAddress, delta);
        return new LoadedImage(image, loadAddress, delta, relocations.size());
    }
}
