package dev.overlayd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Commands and processes a test runs, each waited for with a bound, so that a hung command fails
 * the test instead of hanging the build. The output goes to a file, not a pipe: a command that
 * prints more than a pipe holds would otherwise block until it is killed.
 */
public final class Commands {
    /** How long a killed process may take to go: only a process stuck in the kernel takes longer. */
    private static final Duration KILL_BOUND = Duration.ofSeconds(10);

    private Commands() {}

    /** What a command printed (stdout and stderr together), and its exit status: -1 when it timed out. */
    public record Result(int status, String output) {}

    /** Runs {@code command}; kills it after {@code timeoutSeconds}, and then says so in its output. */
    public static Result run(List<String> command, long timeoutSeconds) throws IOException {
        Path out = Files.createTempFile("overlayd-test", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!waitFor(p, Duration.ofSeconds(timeoutSeconds))) {
                kill(p);
                return new Result(-1, Files.readString(out) + "\n" + String.join(" ", command) + ": timed out after "
                        + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Stops a process the test started: SIGTERM, then SIGKILL after {@code grace}; fails when even
     * SIGKILL does not end it in time, rather than waiting on.
     */
    public static void stop(Process p, Duration grace) throws IOException {
        p.destroy();
        if (!waitFor(p, grace)) {
            kill(p);
        }
    }

    /** SIGKILL, as a crash would end it; fails when the process does not go in time, rather than waiting on. */
    public static void kill(Process p) throws IOException {
        p.destroyForcibly();
        if (!waitFor(p, KILL_BOUND)) {
            throw new IOException("process " + p.pid() + " (" + p.info().commandLine().orElse("?")
                    + ") still runs " + KILL_BOUND.toSeconds() + " s after SIGKILL");
        }
    }

    private static boolean waitFor(Process p, Duration bound) throws IOException {
        try {
            return p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted waiting for process " + p.pid(), e);
        }
    }
}
