package efikexec.bootservices.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import efikexec.bootservices.testing.Payload;
import efikexec.model.EfiStatus;
import efikexec.model.table.SystemTableLayout;
import org.junit.jupiter.api.Test;

/** SIMPLE_TEXT_OUTPUT on ConOut/StdErr and SIMPLE_TEXT_INPUT on ConIn, through the system table. */
class ConsoleTest {
    static final int RESET = 0, OUTPUT_STRING = 1, QUERY_MODE = 3, SET_MODE = 4, SET_ATTRIBUTE = 5, CLEAR_SCREEN = 6;
    static final int MODE = 9;

    final Payload p = Payload.start();
    final long conOut = p.u64(p.systemTable() + SystemTableLayout.CON_OUT);
    final long stdErr = p.u64(p.systemTable() + SystemTableLayout.STD_ERR);

    @Test
    void outputStringReachesTheConsoleWithCrLfAsLf() {
        assertThat(p.call(p.member(conOut, OUTPUT_STRING), conOut, p.ucs2("EFI stub: Booting Linux Kernel...\r\n")))
                .as("ConOut->OutputString did not return EFI_SUCCESS").isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.call(p.member(stdErr, OUTPUT_STRING), stdErr, p.ucs2("line two\r\nno newline")))
                .isEqualTo(EfiStatus.SUCCESS);
        String expected = "EFI stub: Booting Linux Kernel...\nline two\nno newline";
        assertThat(p.fw.consoleText()).as("console text").isEqualTo(expected);
        assertThat(p.sink.toString()).as("text given to the ConsoleSink port").isEqualTo(expected);
    }

    @Test
    void outputStringIsNotedInTheTrace() {
        p.call(p.member(conOut, OUTPUT_STRING), conOut, p.ucs2("hello\r\n"));
        assertThat(p.lastCall().name()).isEqualTo("ConOut.OutputString");
        assertThat(p.lastCall().note()).isEqualTo("hello");
    }

    @Test
    void theOtherFunctionsAnswerLikeAnEightyByTwentyFiveTextConsole() {
        assertThat(p.call(p.member(conOut, RESET), conOut, 0)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.call(p.member(conOut, CLEAR_SCREEN), conOut)).isEqualTo(EfiStatus.SUCCESS);
        long cols = p.cell(), rows = p.cell();
        assertThat(p.call(p.member(conOut, QUERY_MODE), conOut, 0, cols, rows)).isEqualTo(EfiStatus.SUCCESS);
        assertThat(p.u64(cols)).isEqualTo(80);
        assertThat(p.u64(rows)).isEqualTo(25);
        assertThat(p.call(p.member(conOut, QUERY_MODE), conOut, 1, cols, rows))
                .as("QueryMode of a mode that does not exist did not return EFI_UNSUPPORTED").isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(p.call(p.member(conOut, SET_MODE), conOut, 1)).isEqualTo(EfiStatus.UNSUPPORTED);
        assertThat(p.call(p.member(conOut, SET_ATTRIBUTE), conOut, 0x1f)).isEqualTo(EfiStatus.SUCCESS);
        long mode = p.u64(conOut + 8L * MODE);
        assertThat(p.mem.readU32(mode)).as("Mode->MaxMode").isEqualTo(1);
        assertThat(p.mem.readU32(mode + 8)).as("Mode->Attribute after SetAttribute").isEqualTo(0x1f);
    }

    @Test
    void conInNeverHasAKey() {
        long conIn = p.u64(p.systemTable() + SystemTableLayout.CON_IN);
        assertThat(p.call(p.member(conIn, 1), conIn, p.scratch(4)))
                .as("ConIn->ReadKeyStroke did not return EFI_NOT_READY").isEqualTo(EfiStatus.NOT_READY);
    }
}
