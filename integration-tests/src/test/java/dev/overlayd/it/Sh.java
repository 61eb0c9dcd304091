package dev.overlayd.it;

import java.io.IOException;
import dev.overlayd.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Commands the tests run, with their output in the failure message when they fail. */
final class Sh {
    private Sh() {}

    record Run(int status, String output) {}

    static Run run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Commands.Result r = Commands.run(command, timeoutSeconds);
        return new Run(r.status(), r.output());
    }

    record Outcome(int status, String stdout, String stderr) {}

    /** Like {@link #run}, with stdout and stderr kept apart, for a test of what a command says where. */
    static Outcome runSeparately(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("overlayd-it", ".out");
        Path err = Files.createTempFile("overlayd-it", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                Commands.kill(p);
                return new Outcome(-1, "", String.join(" ", command) + ": timed out after " + timeoutSeconds + " s");
            }
            return new Outcome(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a command that must succeed; returns its output. */
    static String ok(String... command) throws IOException, InterruptedException {
        Run r = run(List.of(command), 60);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.status() + ":\n" + r.output());
        }
        return r.output();
    }
}
