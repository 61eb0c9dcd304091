package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Arguments and failures: one line on stderr, status 1, never a stack trace. */
class OverlayctlTest {
    @TempDir
    Path temp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        Overlayctl overlayctl = new Overlayctl();
        overlayctl.controlDirectory = temp;
        CommandLine cli = Overlayctl.commandLine(overlayctl);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private void assertOneLineError(String expected) {
        assertEquals(expected + "\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void noDaemonRunning() {
        assertEquals(1, run("peers"));
        assertOneLineError("overlayctl: no overlayd interface is running (nothing in " + temp + ")");
    }

    @Test
    void aNamedInterfaceThatIsNotThere() {
        assertEquals(1, run("peers", "ovx0"));
        assertOneLineError("overlayctl: no overlayd serves ovx0 (no socket at " + temp.resolve("ovx0.sock") + ")");
    }

    @Test
    void anUnknownOption() {
        assertEquals(1, run("peers", "--jsn"));
        assertOneLineError("overlayctl: Unknown option: '--jsn' (see: overlayctl peers --help)");
    }

    @Test
    void anUnknownCommand() {
        assertEquals(1, run("nodes"));
        assertTrue(err.toString().startsWith("overlayctl: Unmatched argument at index 0: 'nodes'"), err.toString());
        assertEquals(1, err.toString().lines().count());
    }

    @Test
    void noCommand() {
        assertEquals(1, run());
        assertOneLineError("overlayctl: name a command, e.g. overlayctl peers (see: overlayctl --help)");
    }
}
