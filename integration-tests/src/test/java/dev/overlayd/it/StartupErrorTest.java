package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an operator sees when bin/overlayd cannot start: one line on stderr that says where and
 * what, exit status 1, no stack trace, and nothing left running or created. Both as wg-quick runs
 * it (in the background, the launcher reporting the daemon's log) and in the foreground.
 */
class StartupErrorTest {
    private record BadFile(String text, int line, String problem) {}

    @ParameterizedTest(name = "foreground={0}")
    @ValueSource(booleans = {false, true})
    void aBadConfigFileIsOneLineNamingFileLineAndProblem(boolean foreground) throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            String key = a.privateKey;
            String peer = hosts.b.publicKey;
            List<BadFile> files = List.of(
                    new BadFile("# a comment\n[Interface]\nPrivateKey = not-a-key\n", 3, "PrivateKey"),
                    new BadFile("[Interface]\nPrivateKey = " + key + "\nListenPort = 51820\n\nBogus = 1\n", 5, "Bogus"),
                    new BadFile("[Interface]\nPrivateKey = " + key + "\n[Peer]\nPublicKey = " + peer + "\n"
                            + "AllowedIPs = 100.64.0.2/33\n", 5, "AllowedIPs"),
                    new BadFile("[Interface]\nPrivateKey = " + key + "\nDNS = 198.18.0.53\n", 3, "DNS"));
            // One file name, so one interface and, in the background, one log for all of them: each
            // failure must report itself only, not what an earlier run left in the log.
            Path config = hosts.dir().resolve(a.iface + ".conf");
            for (BadFile bad : files) {
                Files.writeString(config, bad.text());
                String line = assertOneLineFailure(a, true, foreground, "--config", config.toString());
                String where = "overlayd: " + config.getFileName() + ":" + bad.line() + ": ";
                assertTrue(line.startsWith(where) && line.contains(bad.problem()),
                        "expected " + where + "... about " + bad.problem() + ", got: " + line);
            }

            Files.delete(config);
            String line = assertOneLineFailure(a, true, foreground, "--config", config.toString());
            assertTrue(line.startsWith("overlayd: " + config.getFileName() + ": ") && line.contains("no such file"), line);
        }
    }

    @ParameterizedTest(name = "foreground={0}")
    @ValueSource(booleans = {false, true})
    void anInvalidInterfaceNameIsOneLine(boolean foreground) throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            // Longer than Linux allows; characters it refuses, '/' also in the launcher's file names.
            for (String name : List.of(hosts.a.iface + "0123456789", hosts.a.iface + "/x", hosts.a.iface + ":x")) {
                // The launcher's default log, as wg-quick would run it: an invalid name must not make one.
                Path defaultLog = Path.of("/var/log/overlayd-" + name + ".log");
                try {
                    String line = assertOneLineFailure(hosts.a, false, foreground, name);
                    assertTrue(line.startsWith("overlayd: ") && line.contains(name) && line.contains("interface name"), line);
                    assertFalse(Files.exists(defaultLog), defaultLog + " was made");
                } finally {
                    if (!name.contains("/")) {
                        Files.deleteIfExists(defaultLog);
                    }
                }
            }
        }
    }

    /**
     * Runs bin/overlayd with these arguments in the host's namespace, logging to the host's directory
     * or to the launcher's default; asserts a clean failure and returns its one line.
     */
    private static String assertOneLineFailure(Host host, boolean logToHostDir, boolean foreground, String... arguments)
            throws Exception {
        List<String> command = host.inside("env");
        if (logToHostDir) {
            command.add("OVERLAYD_LOG=" + host.logFile());
        }
        command.add(Host.OVERLAYD.toString());
        if (foreground) {
            command.add("-f");
        }
        command.addAll(List.of(arguments));
        Sh.Outcome run = Sh.runSeparately(command, 60);
        String all = "exit status " + run.status() + "\n--- stdout:\n" + run.stdout() + "--- stderr:\n" + run.stderr();
        assertEquals(1, run.status(), all);
        assertEquals("", run.stdout(), all);
        assertFalse(run.stderr().contains("Exception") || run.stderr().contains("at dev."), "a stack trace: " + all);
        List<String> lines = run.stderr().lines().toList();
        assertEquals(1, lines.size(), "one line on stderr: " + all);

        assertEquals("", Sh.ok("ip", "netns", "pids", host.netns).strip(), "nothing is left running");
        assertFalse(host.hasLink(), "no interface was made");
        assertFalse(Files.exists(host.socket()), "no socket was made");
        return lines.getFirst();
    }
}
