package efikexec.cli.option;

import efikexec.emulator.run.Until;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

public final class UntilConverter implements ITypeConverter<Until> {
    @Override
    public Until convert(String value) {
        return switch (value) {
            case "ebs" -> Until.EBS;
            case "entry" -> Until.ENTRY;
            default -> throw new TypeConversionException("'" + value + "' is not a stop point (expected ebs or entry)");
        };
    }
}
