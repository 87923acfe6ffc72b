package efikexec.bootservices.service;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.memmap.MemoryAttributes;
import efikexec.memmap.MemoryDescriptor;
import efikexec.memmap.MemoryMap;
import efikexec.model.EfiStatus;
import efikexec.model.MemoryType;
import efikexec.model.table.SystemTableLayout;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** gBS->GetMemoryMap (UEFI 2.10, 7.2) and EFI-NOTES "Memory map conventions". */
class GetMemoryMapTest {
    static final long PAGE = 4096;

    final Payload p = Payload.start();

    @Nested
    class SizeProbe {
        @Test
        void sizeZeroIsBufferTooSmallWithTheSizeNeeded() {
            long size = p.cell(0), key = p.cell(0x77), descSize = p.cell(), version = p.cell(0xffff_ffff_ffff_ffffL);
            assertThat(p.boot("GetMemoryMap", size, 0, key, descSize, version))
                    .as("GetMemoryMap did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            int descriptors = p.fw.memoryMap().descriptors().size();
            assertThat(p.u64(size)).as("GetMemoryMap did not write the size needed (with room for the pool)")
                    .isGreaterThanOrEqualTo(48L * descriptors).isEqualTo(48L * (descriptors + MemoryMap.EXTRA_DESCRIPTORS_WHEN_TOO_SMALL));
            assertThat(p.u64(descSize)).as("DescriptorSize is not 48").isEqualTo(48);
            assertThat(p.mem.readU32(version)).as("DescriptorVersion is not 1").isEqualTo(1);
            assertThat(p.mem.readU32(version + 4)).as("DescriptorVersion is a UINT32: the next bytes were written")
                    .isEqualTo(0xffff_ffffL);
            assertThat(p.u64(key)).as("MapKey written on EFI_BUFFER_TOO_SMALL").isEqualTo(0x77);
        }

        @Test
        void aBufferOneDescriptorShortIsBufferTooSmall() {
            int descriptors = p.fw.memoryMap().descriptors().size();
            long have = 48L * (descriptors - 1);
            long buffer = p.scratch(48L * descriptors);
            long size = p.cell(have);
            assertThat(p.boot("GetMemoryMap", size, buffer, p.cell(), p.cell(), p.cell()))
                    .as("GetMemoryMap with a buffer one descriptor short did not return EFI_BUFFER_TOO_SMALL")
                    .isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.u64(size)).isGreaterThan(have);
            assertThat(p.mem.read(buffer, (int) have)).as("GetMemoryMap wrote into a buffer that was too small")
                    .containsOnly(0);
        }

        @Test
        void theSizeReportedIsEnoughAfterAllocatingThePool() {
            // The stubs' sequence, which must succeed at the first retry although the pool grows the map.
            Payload.MemoryMapReply m = p.memoryMapViaPool();
            assertThat(m.descriptors()).isNotEmpty();
            assertThat(m.key()).isEqualTo(p.fw.memoryMap().mapKey());
        }

        @Test
        void nullSizeOrNullMapIsInvalidParameter() {
            assertThat(p.boot("GetMemoryMap", 0, p.scratch(4096), p.cell(), p.cell(), p.cell()))
                    .as("GetMemoryMap with MemoryMapSize NULL did not return EFI_INVALID_PARAMETER").isEqualTo(EfiStatus.INVALID_PARAMETER);
            assertThat(p.boot("GetMemoryMap", p.cell(64 * 1024), 0, p.cell(), p.cell(), p.cell()))
                    .as("GetMemoryMap with a large size and MemoryMap NULL did not return EFI_INVALID_PARAMETER")
                    .isEqualTo(EfiStatus.INVALID_PARAMETER);
        }
    }

    @Nested
    class FullCall {
        final Payload.MemoryMapReply m = p.memoryMap();
        final List<MemoryDescriptor> ds = m.descriptors();

        @Test
        void descriptorSizeAndVersion() {
            assertThat(m.descriptorSize()).as("DescriptorSize is not 48").isEqualTo(48);
            assertThat(m.version()).as("DescriptorVersion is not 1").isEqualTo(1);
        }

        @Test
        void sortedDisjointPageAlignedAndMerged() {
            for (int i = 0; i < ds.size(); i++) {
                MemoryDescriptor d = ds.get(i);
                assertThat(d.physicalStart() % PAGE).as("descriptor %s not page aligned", d).isZero();
                assertThat(d.numberOfPages()).as("empty descriptor %s", d).isPositive();
                if (i > 0) {
                    MemoryDescriptor prev = ds.get(i - 1);
                    assertThat(prev.end()).as("descriptors %s and %s overlap or are not sorted", prev, d)
                            .isLessThanOrEqualTo(d.physicalStart());
                    boolean mergeable = prev.end() == d.physicalStart() && prev.typeValue() == d.typeValue()
                            && prev.attribute() == d.attribute();
                    assertThat(mergeable).as("adjacent equal descriptors %s and %s are not merged", prev, d).isFalse();
                }
            }
        }

        @Test
        void coversExactlyTheTargetRam() {
            assertThat(ds.get(0).physicalStart()).isEqualTo(Payload.RAM_BASE);
            assertThat(ds.get(ds.size() - 1).end()).isEqualTo(Payload.RAM_BASE + Payload.RAM_SIZE);
            long pages = ds.stream().mapToLong(MemoryDescriptor::numberOfPages).sum();
            assertThat(pages).as("the map has holes in RAM").isEqualTo(Payload.RAM_SIZE / PAGE);
        }

        @Test
        void reservedRangeIsReserved() {
            assertThat(m.holding(Payload.RESERVED.start()).type()).isEqualTo(MemoryType.RESERVED);
            assertThat(m.holding(Payload.RESERVED.end() - 1).type()).isEqualTo(MemoryType.RESERVED);
        }

        @Test
        void firmwareTypesWhereTheFirmwarePutThings() {
            long thunk = p.bootFunction("AllocatePages");
            assertThat(m.holding(thunk).type()).as("service thunks are not in EfiBootServicesCode")
                    .isEqualTo(MemoryType.BOOT_SERVICES_CODE);
            assertThat(m.holding(p.systemTable()).type()).as("the system table is not in EfiRuntimeServicesData")
                    .isEqualTo(MemoryType.RUNTIME_SERVICES_DATA);
            assertThat(m.holding(p.runtimeServices()).type()).as("the runtime services table is not in EfiRuntimeServicesData")
                    .isEqualTo(MemoryType.RUNTIME_SERVICES_DATA);
            assertThat(m.holding(p.u64(p.systemTable() + SystemTableLayout.CONFIGURATION_TABLE)).type())
                    .as("the configuration table array is not in EfiRuntimeServicesData").isEqualTo(MemoryType.RUNTIME_SERVICES_DATA);
            assertThat(m.holding(p.bootServices()).type()).as("the boot services table is not in EfiBootServicesData")
                    .isEqualTo(MemoryType.BOOT_SERVICES_DATA);
            assertThat(m.holding(p.image.base()).type()).as("the image is not in EfiLoaderCode")
                    .isEqualTo(MemoryType.LOADER_CODE);
            assertThat(m.holding(p.image.base()).end()).isGreaterThanOrEqualTo(p.image.base() + p.image.size());
            assertThat(ds).as("no EfiRuntimeServicesCode (the after-ExitBootServices runtime code)")
                    .anyMatch(d -> d.type() == MemoryType.RUNTIME_SERVICES_CODE);
        }

        @Test
        void runtimeTypesCarryTheRuntimeAttribute() {
            for (MemoryDescriptor d : ds) {
                boolean runtime = d.type() == MemoryType.RUNTIME_SERVICES_CODE || d.type() == MemoryType.RUNTIME_SERVICES_DATA;
                assertThat((d.attribute() & MemoryAttributes.RUNTIME) != 0).as("EFI_MEMORY_RUNTIME on %s", d).isEqualTo(runtime);
            }
        }
    }

    @Nested
    class FixedLoadAddress {
        @Test
        void theImageIsLoaderCodeExactlyWhereAsked() {
            long at = Payload.RAM_BASE + 0x20_0000L;
            Payload q = Payload.builder().loadAddress(at).build();
            assertThat(q.image.base()).isEqualTo(at);
            Payload.MemoryMapReply m = q.memoryMap();
            assertThat(m.holding(at).type()).isEqualTo(MemoryType.LOADER_CODE);
            assertThat(q.mem.readU32(at + 0x1000)).as("the image's .text is not at its RVA").isEqualTo(0xd503201fL);
        }
    }

    @Nested
    class MapKey {
        @Test
        void getMemoryMapItselfDoesNotChangeTheKey() {
            long k1 = p.mapKey();
            long k2 = p.mapKey();
            assertThat(k2).as("GetMemoryMap changed the MapKey").isEqualTo(k1);
            assertThat(p.fw.memoryMap().mapKey()).isEqualTo(k1);
        }

        @Test
        void aFailedProbeDoesNotChangeTheKeyEither() {
            long k1 = p.mapKey();
            assertThat(p.boot("GetMemoryMap", p.cell(0), 0, p.cell(), p.cell(), p.cell())).isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
            assertThat(p.mapKey()).isEqualTo(k1);
        }

        @Test
        void keyIsWrittenOnSuccessAndMatchesTheFirmware() {
            Payload.MemoryMapReply m = p.memoryMapViaPool();
            assertThat(m.key()).isEqualTo(p.fw.memoryMap().mapKey());
        }
    }
}
