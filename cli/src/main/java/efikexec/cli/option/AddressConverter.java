package efikexec.cli.option;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** 0x-prefixed hex or decimal addresses. */
public final class AddressConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            String v = value.trim();
            if (v.startsWith("0x") || v.startsWith("0X")) return Long.parseUnsignedLong(v.substring(2), 16);
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not an address (expected 0x… hex or decimal)");
        }
    }
}
