package efikexec.bootservices.testing;

import efikexec.bootservices.call.FirmwareCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The arch-code port as a test double: 8-byte thunks (svc #index; ret, as the arm64 adapter
 * writes them) and the arm64 "return EFI_UNSUPPORTED" sequence. Boot services only place
 * these bytes; what they mean is not under test here.
 */
public final class TestFirmwareCode implements FirmwareCode {
    /** orr x0, xzr, #0x8000000000000003; ret */
    public static final byte[] RETURN_UNSUPPORTED = words(0xB2410BE0, 0xD65F03C0);

    @Override
    public int thunkSize() {
        return 8;
    }

    @Override
    public byte[] trapThunk(int index) {
        return words(0xD4000001 | (index << 5), 0xD65F03C0);
    }

    @Override
    public byte[] returnUnsupported() {
        return RETURN_UNSUPPORTED.clone();
    }

    @Override
    public String architecture() {
        return "aarch64";
    }

    private static byte[] words(int a, int b) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(a).putInt(b).array();
    }
}
