package efikexec.emulator.unicorn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnicornRuntimeTest {
    @Test
    void theCachedLibraryIsTwoOneOneAndNeedsNoWarning() {
        UnicornRuntime r = UnicornRuntime.load(null);
        assertThat(r.version()).isEqualTo("2.1.1");
        assertThat(r.versionWarning()).isNull();
    }

    @Test
    void otherVersionsGetOneLineSayingHowMuchSlowerAndHowToFix() {
        for (String v : new String[] {"2.0.1", "2.1.3", "2.1.4", "2.2.0"}) {
            String w = UnicornRuntime.versionWarning(v, "/usr/lib/x86_64-linux-gnu/libunicorn.so.2");
            assertThat(w).as(v).doesNotContain("\n").contains("Unicorn " + v).contains("scripts/setup")
                    .contains("EFIKEXEC_UNICORN");
        }
        assertThat(UnicornRuntime.versionWarning("2.0.1", "x")).contains("37x slower");
        assertThat(UnicornRuntime.versionWarning("2.1.4", "x")).contains("15x slower");
    }

    @Test
    void anExplicitPathThatDoesNotExistIsAnEnvironmentError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UnicornRuntime.load("/nonexistent/libunicorn.so.2"))
                .isInstanceOf(UnicornUnavailableException.class).hasMessageContaining("/nonexistent/libunicorn.so.2");
    }
}
