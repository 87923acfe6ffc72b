package efikexec.bootservices.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.Guid;
import efikexec.model.KnownGuids;
import org.junit.jupiter.api.Test;

/** EFI_RNG_PROTOCOL, found with LocateProtocol as the Linux stub does for its KASLR seed. */
class RngTest {
    static final int GET_INFO = 0, GET_RNG = 1;

    static long rng(Payload p) {
        long out = p.cell();
        assertThat(p.boot("LocateProtocol", p.guid(KnownGuids.RNG), 0, out))
                .as("LocateProtocol(EFI_RNG_PROTOCOL) did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        return p.u64(out);
    }

    static byte[] getRng(Payload p, long algorithm, int n) {
        long rng = rng(p);
        long out = p.scratch(n);
        assertThat(p.call(p.member(rng, GET_RNG), rng, algorithm, n, out))
                .as("GetRNG did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        return p.mem.read(out, n);
    }

    @Test
    void getInfoListsRaw() {
        Payload p = Payload.start();
        long rng = rng(p);
        long size = p.cell(0);
        assertThat(p.call(p.member(rng, GET_INFO), rng, size, 0))
                .as("GetInfo with size 0 did not return EFI_BUFFER_TOO_SMALL").isEqualTo(EfiStatus.BUFFER_TOO_SMALL);
        assertThat(p.u64(size)).isEqualTo(16);
        long list = p.scratch(16);
        assertThat(p.call(p.member(rng, GET_INFO), rng, size, list)).as("GetInfo did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(Guid.fromBytes(p.mem.read(list, 16), 0)).as("GetInfo does not list EFI_RNG_ALGORITHM_RAW")
                .isEqualTo(KnownGuids.RNG_ALGORITHM_RAW);
    }

    @Test
    void getRngIsDeterministicPerSeed() {
        byte[] a = getRng(Payload.builder().seed(5).build(), 0, 64);
        byte[] b = getRng(Payload.builder().seed(5).build(), 0, 64);
        byte[] c = getRng(Payload.builder().seed(6).build(), 0, 64);
        assertThat(a).as("the same seed gave different GetRNG bytes").isEqualTo(b);
        assertThat(a).as("another seed gave the same GetRNG bytes").isNotEqualTo(c);
        assertThat(a).as("GetRNG gave zeros").isNotEqualTo(new byte[64]);
    }

    @Test
    void successiveCallsDiffer() {
        Payload p = Payload.start();
        assertThat(getRng(p, 0, 32)).isNotEqualTo(getRng(p, 0, 32));
    }

    @Test
    void rawAlgorithmByGuidIsAccepted() {
        Payload p = Payload.start();
        assertThat(getRng(p, p.guid(KnownGuids.RNG_ALGORITHM_RAW), 16)).hasSize(16);
    }

    @Test
    void unknownAlgorithmIsUnsupported() {
        Payload p = Payload.start();
        long rng = rng(p);
        long sha256 = p.guid(Guid.parse("a7af67cb-603b-4d42-ba21-70bfb6293f96")); // EFI_RNG_ALGORITHM_SP800_90_HASH_256
        assertThat(p.call(p.member(rng, GET_RNG), rng, sha256, 16, p.scratch(16)))
                .as("GetRNG with an algorithm not offered did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
    }

    @Test
    void nullBufferOrZeroLengthIsInvalidParameter() {
        Payload p = Payload.start();
        long rng = rng(p);
        assertThat(p.call(p.member(rng, GET_RNG), rng, 0, 16, 0)).isEqualTo(EfiStatus.INVALID_PARAMETER);
        assertThat(p.call(p.member(rng, GET_RNG), rng, 0, 0, p.scratch(16))).isEqualTo(EfiStatus.INVALID_PARAMETER);
    }
}
