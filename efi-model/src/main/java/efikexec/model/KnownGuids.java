package efikexec.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** GUIDs this firmware knows by name (for its own protocols, reports and the call trace). */
public final class KnownGuids {
    private KnownGuids() {
    }

    private static final Map<Guid, String> NAMES = new LinkedHashMap<>();

    private static Guid g(String name, String text) {
        Guid guid = Guid.parse(text);
        NAMES.put(guid, name);
        return guid;
    }

    // Protocols
    public static final Guid LOADED_IMAGE = g("LOADED_IMAGE_PROTOCOL", "5b1b31a1-9562-11d2-8e3f-00a0c969723b");
    public static final Guid LOADED_IMAGE_DEVICE_PATH = g("LOADED_IMAGE_DEVICE_PATH_PROTOCOL", "bc62157e-3e33-4fec-9920-2d3b36d750df");
    public static final Guid DEVICE_PATH = g("DEVICE_PATH_PROTOCOL", "09576e91-6d3f-11d2-8e39-00a0c969723b");
    public static final Guid SIMPLE_TEXT_OUTPUT = g("SIMPLE_TEXT_OUTPUT_PROTOCOL", "387477c2-69c7-11d2-8e39-00a0c969723b");
    public static final Guid SIMPLE_TEXT_INPUT = g("SIMPLE_TEXT_INPUT_PROTOCOL", "387477c1-69c7-11d2-8e39-00a0c969723b");
    public static final Guid LOAD_FILE2 = g("LOAD_FILE2_PROTOCOL", "4006c0c1-fcb3-403e-996d-4a6c8724e06d");
    public static final Guid LOAD_FILE = g("LOAD_FILE_PROTOCOL", "56ec3091-954c-11d2-8e3f-00a0c969723b");
    public static final Guid RNG = g("RNG_PROTOCOL", "3152bca5-eade-433d-862e-c01cdc291f44");
    public static final Guid RNG_ALGORITHM_RAW = g("RNG_ALGORITHM_RAW", "e43176d7-b6e8-4827-b784-7ffdc4b68561");
    public static final Guid GRAPHICS_OUTPUT = g("GRAPHICS_OUTPUT_PROTOCOL", "9042a9de-23dc-4a38-96fb-7aded080516a");
    public static final Guid UGA_DRAW = g("UGA_DRAW_PROTOCOL", "982c298b-f4fa-41cb-b838-77aa688fb839");
    public static final Guid PCI_IO = g("PCI_IO_PROTOCOL", "4cf5b200-68b8-4ca5-9eec-b23e3f50029a");
    public static final Guid SIMPLE_FILE_SYSTEM = g("SIMPLE_FILE_SYSTEM_PROTOCOL", "964e5b22-6459-11d2-8e39-00a0c969723b");
    public static final Guid FILE_INFO = g("FILE_INFO_ID", "09576e92-6d3f-11d2-8e39-00a0c969723b");
    public static final Guid FILE_SYSTEM_INFO = g("FILE_SYSTEM_INFO_ID", "09576e93-6d3f-11d2-8e39-00a0c969723b");
    public static final Guid FILE_SYSTEM_VOLUME_LABEL = g("FILE_SYSTEM_VOLUME_LABEL_ID", "db47d7d3-fe81-11d3-9a35-0090273fc14d");
    public static final Guid TCG2 = g("TCG2_PROTOCOL", "607f766c-7455-42be-930b-e4d76db2720f");
    public static final Guid CC_MEASUREMENT = g("CC_MEASUREMENT_PROTOCOL", "96751a3d-72f4-41a6-a794-ed5d0e67ae6b");
    public static final Guid MEMORY_ATTRIBUTE = g("MEMORY_ATTRIBUTE_PROTOCOL", "f4560cf6-40ec-4b4a-a192-bf1d57d0b189");
    public static final Guid DXE_SERVICES_TABLE = g("DXE_SERVICES_TABLE", "05ad34ba-6f02-4214-952e-4da0398e2bb9");
    public static final Guid EFI_DT_FIXUP = g("EFI_DT_FIXUP_PROTOCOL", "e617d64c-fe08-46da-f4dc-bbd5870c7300");
    public static final Guid SMBIOS_PROTOCOL = g("SMBIOS_PROTOCOL", "03583ff6-cb36-4940-947e-b9b39f4afaf7");
    public static final Guid SHIM_LOCK = g("SHIM_LOCK_PROTOCOL", "605dab50-e046-4300-abb6-3dd810dd8b23");

    // Configuration tables
    public static final Guid DEVICE_TREE = g("DEVICE_TREE", "b1b621d5-f19c-41a5-830b-d9152c69aae0");
    public static final Guid ACPI_20 = g("ACPI_20_TABLE", "8868e871-e4f1-11d3-bc22-0080c73c8881");
    public static final Guid ACPI_10 = g("ACPI_TABLE", "eb9d2d30-2d88-11d3-9a16-0090273fc14d");
    public static final Guid SMBIOS = g("SMBIOS_TABLE", "eb9d2d31-2d88-11d3-9a16-0090273fc14d");
    public static final Guid SMBIOS3 = g("SMBIOS3_TABLE", "f2fd1544-9794-4a2c-992e-e5bbcf20e394");
    public static final Guid RT_PROPERTIES = g("RT_PROPERTIES_TABLE", "eb66918a-7eef-402a-842e-931d21c38ae9");
    public static final Guid LINUX_EFI_RANDOM_SEED = g("LINUX_EFI_RANDOM_SEED", "1ce1e5bc-7ceb-42f2-81e5-8aadf180f57b");
    public static final Guid LINUX_EFI_INITRD_MEDIA = g("LINUX_EFI_INITRD_MEDIA", "5568e427-68fc-4f3d-ac74-ca555231cc68");
    public static final Guid LINUX_EFI_BOOT_MEMMAP = g("LINUX_EFI_BOOT_MEMMAP", "800f683f-d08b-423a-a293-965c3c6fe2b4");
    public static final Guid LINUX_EFI_TPM_EVENT_LOG = g("LINUX_EFI_TPM_EVENT_LOG", "b7799cb0-eca2-4943-9667-1fae07b747fa");
    public static final Guid LINUX_EFI_SCREEN_INFO = g("LINUX_EFI_SCREEN_INFO", "e03fc20a-85dc-406e-b9e0-4bfa5d6dbc6f");
    public static final Guid LINUX_EFI_MEMRESERVE = g("LINUX_EFI_MEMRESERVE", "888eb0c6-8ede-4ff5-a8f0-9aee5cb977c2");
    public static final Guid MEMORY_ATTRIBUTES_TABLE = g("MEMORY_ATTRIBUTES_TABLE", "dcfa911d-26eb-469f-a220-38b7dc461220");
    public static final Guid LINUX_EFI_MOK_VARIABLE = g("LINUX_EFI_MOK_VARIABLE_TABLE", "c451ed2b-9694-45d3-baba-ed9f8988a389");
    public static final Guid LINUX_EFI_COCO_SECRET = g("LINUX_EFI_COCO_SECRET", "adf956ad-e98c-484c-ae11-b51c7d336447");
    public static final Guid LINUX_EFI_UNACCEPTED_MEM = g("LINUX_EFI_UNACCEPTED_MEM", "d5d1de3c-105c-44f9-9ea9-bc30d1474f27");

    // Variable vendors
    public static final Guid EFI_GLOBAL_VARIABLE = g("EFI_GLOBAL_VARIABLE", "8be4df61-93ca-11d2-aa0d-00e098032b8c");

    /** The name of a GUID, or its text form when unknown. */
    public static String name(Guid guid) {
        String n = NAMES.get(guid);
        return n != null ? n : guid.toString();
    }

    /** The name, or null when unknown. */
    public static String nameOrNull(Guid guid) {
        return NAMES.get(guid);
    }
}
