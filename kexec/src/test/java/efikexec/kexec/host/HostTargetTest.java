package efikexec.kexec.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import efikexec.memmap.PhysicalRange;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostTargetTest {
    @TempDir
    Path root;

    static final String IOMEM = """
            00000000-00000fff : Reserved
            00001000-0009fbff : System RAM
            000f0000-000fffff : Reserved
              000f0000-000fffff : System ROM
            00100000-3ffdffff : System RAM
              1c000000-1cffffff : Crash kernel
              2e600000-2f402b0f : Kernel code
            b0000000-bfffffff : PCI MMCONFIG 0000 [bus 00-ff]
            """;

    FakeHost q35() {
        return q35(root);
    }

    static FakeHost q35(Path root) {
        return FakeHost.permissive(root).memmap(
                new String[] {"0x0", "0x9fbff", "System RAM"},
                new String[] {"0x9fc00", "0x9ffff", "Reserved"},
                new String[] {"0xf0000", "0xfffff", "Reserved"},
                new String[] {"0x100000", "0x3ffdffff", "System RAM"},
                new String[] {"0x3ffe0000", "0x3fffffff", "Reserved"})
                .file("/proc/iomem", IOMEM)
                .file("/proc/consoles", "ttyS0                -W- (EC p a)    4:64\ntty0                 -WU (E  p  )    4:1\n");
    }

    @Test
    void theFirmwareMapWithTheCrashKernelReservedAndTheConsole() {
        HostTarget t = HostTarget.read(q35().system());
        assertThat(t.memory().ram()).containsExactly(new PhysicalRange(0, 0x9fc00), new PhysicalRange(0x100000, 0x3fee0000));
        assertThat(t.memory().reserved()).contains(new PhysicalRange(0x1c000000, 0x1000000), new PhysicalRange(0xf0000, 0x10000));
        assertThat(t.dtb()).isNull();
        assertThat(t.console()).isEqualTo("ttyS0");
        assertThat(HostTarget.x86SerialPort(t.console())).isEqualTo(0x3f8);
        assertThat(t.acpi()).isNull();
    }

    @Test
    void theRsdpComesFromTheEfiSystabOrTheBiosArea() throws IOException {
        FakeHost h = q35().file("/sys/firmware/efi/systab", "SMBIOS3=0x7f8f0000\nACPI20=0x7fb7e014\nACPI=0x7fb7e000\n");
        assertThat(HostTarget.read(h.system()).acpi()).isEqualTo(new AcpiRsdp(0x7fb7e014L, 2));

        Path biosRoot = root.resolve("bios");
        FakeHost bios = q35(biosRoot);
        Path mem = biosRoot.resolve("dev/mem");
        Files.createDirectories(mem.getParent());
        // SeaBIOS's RSDP (ACPI 1.0, revision 0) at 0xf52a0, as in a q35 guest
        byte[] rsdp = new byte[20];
        System.arraycopy("RSD PTR ".getBytes(), 0, rsdp, 0, 8);
        System.arraycopy("BOCHS ".getBytes(), 0, rsdp, 9, 6);
        rsdp[16] = 0x10;
        rsdp[17] = (byte) 0x20;
        rsdp[18] = (byte) 0xfe;
        rsdp[19] = 0x3f;
        int sum = 0;
        for (byte b : rsdp) sum += b;
        rsdp[8] = (byte) -sum;
        try (RandomAccessFile f = new RandomAccessFile(mem.toFile(), "rw")) {
            f.setLength(0x100000);
            f.seek(0xf52a0);
            f.write(rsdp);
        }
        assertThat(HostTarget.read(bios.system()).acpi()).isEqualTo(new AcpiRsdp(0xf52a0, 0));
    }

    static void checksum(byte[] b, int at, int length, int slot) {
        int sum = 0;
        for (int i = at; i < at + length; i++) sum += b[i];
        b[at + slot] = (byte) (b[at + slot] - sum);
    }

    @Test
    void smbiosEntryPointsOfBothVersionsAreFoundInTheBiosArea() {
        byte[] area = new byte[0x1000];
        // SeaBIOS's 2.x entry point: "_SM_", length 0x1f at +5, "_DMI_" at +16
        System.arraycopy("_SM_".getBytes(), 0, area, 0x200, 4);
        area[0x205] = 0x1f;
        area[0x206] = 2;
        area[0x207] = 8;
        System.arraycopy("_DMI_".getBytes(), 0, area, 0x210, 5);
        area[0x218] = 0x10;
        checksum(area, 0x210, 15, 5);
        checksum(area, 0x200, 0x1f, 4);
        assertThat(SmbiosEntryPoint.scan(area, 0xf0000)).hasValue(new SmbiosEntryPoint(0xf0200, false));
        // a 3.x one earlier in the area wins: "_SM3_", length 0x18 at +6
        System.arraycopy("_SM3_".getBytes(), 0, area, 0x100, 5);
        area[0x106] = 0x18;
        area[0x107] = 3;
        checksum(area, 0x100, 0x18, 5);
        assertThat(SmbiosEntryPoint.scan(area, 0xf0000)).hasValue(new SmbiosEntryPoint(0xf0100, true));
        area[0x110] ^= 1; // inside the 3.x one's checksummed bytes
        assertThat(SmbiosEntryPoint.scan(area, 0xf0000)).hasValue(new SmbiosEntryPoint(0xf0200, false));
    }

    @Test
    void anEfiMachineNamesItsSmbiosInSystab() {
        FakeHost h = q35().file("/sys/firmware/efi/systab", "SMBIOS=0x7f8f1000\nSMBIOS3=0x7f8f0000\nACPI20=0x7fb7e014\n");
        assertThat(HostTarget.read(h.system()).smbios()).isEqualTo(new SmbiosEntryPoint(0x7f8f0000L, true));
        FakeHost old = q35(root.resolve("old")).file("/sys/firmware/efi/systab", "SMBIOS=0x7f8f1000\n");
        assertThat(HostTarget.read(old.system()).smbios()).isEqualTo(new SmbiosEntryPoint(0x7f8f1000L, false));
    }

    @Test
    void anArm64HostsDeviceTreeLosesTheEndingBootsInitrdAndKeepsTheRest() throws IOException {
        efikexec.model.fdt.FdtNode root = new efikexec.model.fdt.FdtNode("");
        root.setPropertyU32("#address-cells", 2).setPropertyU32("#size-cells", 2);
        root.addChild("memory@40000000").setProperty("device_type", "memory")
                .setProperty("reg", new byte[] {0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0});
        root.addChild("chosen").setProperty("bootargs", "console=ttyAMA0").setPropertyU64("linux,initrd-start", 0x4800_0000L)
                .setPropertyU64("linux,initrd-end", 0x481c_0000L).setProperty("stdout-path", "/pl011@9000000");
        FakeHost.permissive(this.root);
        Path fdt = this.root.resolve("sys/firmware/fdt");
        Files.createDirectories(fdt.getParent());
        Files.write(fdt, efikexec.model.fdt.Fdt.of(root).toBytes());
        HostTarget t = HostTarget.read(new HostSystem(this.root, "aarch64"));
        assertThat(t.memory().ram()).containsExactly(new PhysicalRange(0x4000_0000L, 0x4000_0000L));
        efikexec.model.fdt.FdtNode chosen = efikexec.model.fdt.Fdt.parse(t.dtb()).node("/chosen").orElseThrow();
        assertThat(chosen.hasProperty("linux,initrd-start")).isFalse();
        assertThat(chosen.hasProperty("linux,initrd-end")).isFalse();
        assertThat(chosen.propertyString("bootargs")).hasValue("console=ttyAMA0");
        assertThat(chosen.propertyString("stdout-path")).hasValue("/pl011@9000000");
        // nothing stale: the very same bytes
        byte[] clean = efikexec.model.fdt.Fdt.parse(t.dtb()).toBytes();
        assertThat(HostTarget.forNextBoot(clean)).isSameAs(clean);
    }

    @Test
    void aBadChecksumIsNoRsdp() {
        byte[] area = new byte[0x100];
        System.arraycopy("RSD PTR ".getBytes(), 0, area, 0x40, 8);
        area[0x48] = 1;
        assertThat(AcpiRsdp.scan(area, 0xe0000)).isEmpty();
    }

    @Test
    void hiddenIomemAddressesAndAMissingMemmapAreRefusedNamingTheFile() {
        FakeHost h = q35().file("/proc/iomem", IOMEM.replaceAll("[0-9a-f]{8}-[0-9a-f]{8}", "00000000-00000000"));
        assertThatThrownBy(() -> HostTarget.read(h.system())).hasMessageStartingWith("/proc/iomem: every address reads as 0");
        FakeHost none = FakeHost.permissive(root.resolve("other"));
        assertThatThrownBy(() -> HostTarget.read(none.system())).hasMessageStartingWith("/sys/firmware/memmap: missing");
    }

    @Test
    void iomemKeepsEveryCrashKernel() {
        IoMem m = IoMem.parse(IOMEM);
        assertThat(m.crashKernel()).containsExactly(new PhysicalRange(0x1c000000, 0x1000000));
        assertThat(m.addressesHidden()).isFalse();
        assertThatThrownBy(() -> IoMem.parse("00001000-0009fbff System RAM\n"))
                .isInstanceOfSatisfying(efikexec.model.FormatException.class, e -> assertThat(e.describe()).contains("line 1"));
    }
}
