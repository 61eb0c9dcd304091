package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `--version` is the build's version, and `--help` offers what the README documents. */
class VersionAndHelpTest {
    private static String run(Object command, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = command instanceof Overlayctl o ? Overlayctl.commandLine(o) : new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args));
        return out.toString();
    }

    @Test
    void bothPrintTheProjectVersionOfTheBuild() {
        String version = System.getProperty("overlayd.version");
        assertTrue(version != null && !version.isBlank(), "the build passes overlayd.version");
        assertEquals("overlayd " + version + "\n", run(new Overlayd(), "--version"));
        assertEquals("overlayctl " + version + "\n", run(new Overlayctl(), "--version"));
    }

    @Test
    void everyCommandInHelpIsOneTheReadmeShows() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        CommandLine cli = Overlayctl.commandLine(new Overlayctl());
        String help = run(new Overlayctl(), "--help");
        for (String name : cli.getSubcommands().keySet()) {
            assertTrue(help.contains("  " + name + " "), name + " in --help:\n" + help);
            assertTrue(readme.contains("overlayctl " + name), "the README shows overlayctl " + name);
        }
        String daemon = run(new Overlayd(), "--help");
        for (String option : new String[] {"--foreground", "--config", "IFNAME", "--version"}) {
            assertTrue(daemon.contains(option), option + " in overlayd --help:\n" + daemon);
        }
    }
}
