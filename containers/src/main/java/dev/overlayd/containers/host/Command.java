package dev.overlayd.containers.host;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A program run to its end (ip, nft): its output, or an IOException that carries its error output. */
record Command(List<String> argv) {

    static Command of(String... argv) {
        return new Command(List.of(argv));
    }

    /** Whether {@code program} is an executable in a directory of PATH, where running it would find it. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs it with nothing on its input. */
    String run() throws IOException {
        return run(null);
    }

    /** Runs it with {@code input} (when not null) on its standard input. */
    String run(String input) throws IOException {
        Result result = tryRun(input);
        if (result.status() != 0) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + result.status() + "): " + result.stderr());
        }
        return result.stdout();
    }

    record Result(int status, String stdout, String stderr) {}

    Result tryRun(String input) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv);
        if (input == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process process = builder.start();
        if (input != null) {
            try (OutputStream in = process.getOutputStream()) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        // Errors are short; read them on a second thread so a long output cannot block the program.
        var stderr = new CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try {
                stderr.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                stderr.complete("(unreadable: " + e.getMessage() + ")");
            }
        });
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int status = process.waitFor();
            return new Result(status, stdout, stderr.join());
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for " + String.join(" ", argv));
        }
    }
}
