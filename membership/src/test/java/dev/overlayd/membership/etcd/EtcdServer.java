package dev.overlayd.membership.etcd;

import dev.overlayd.testing.EtcdPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real single-node etcd on 127.0.0.1 for one test: free ports, a temporary data directory, and the
 * process killed and the directory removed on {@link #close}, also when the JVM exits first. It can
 * be stopped and started again on the same ports and data, as an operator restarting it would. In
 * TLS mode it serves only https and only to clients with a certificate from its own CA, as
 * {@code --client-cert-auth} makes it; its health is asked on a separate plaintext metrics port.
 */
final class EtcdServer implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final Thread killOnExit;
    private EtcdPki pki;
    private EtcdPki.Issued serverCertificate;
    private Process process;

    private EtcdServer() throws IOException {
        dir = Files.createTempDirectory("overlayd-etcd-");
        clientPort = freePort();
        peerPort = freePort();
        metricsPort = freePort();
        killOnExit = new Thread(this::kill, "kill etcd in " + dir);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** An etcd that answers, or a failure that says why not (etcd missing, or its own log). */
    static EtcdServer start() throws IOException {
        return start(false);
    }

    /** An etcd that speaks TLS only, to clients whose certificate {@link #pki} issued. */
    static EtcdServer startTls() throws IOException {
        return start(true);
    }

    private static EtcdServer start(boolean tls) throws IOException {
        EtcdServer etcd = new EtcdServer();
        try {
            if (tls) {
                etcd.pki = new EtcdPki(etcd.dir.resolve("pki"), "etcd-ca");
                etcd.serverCertificate = etcd.pki.server("127.0.0.1");
            }
            etcd.startAgain();
            return etcd;
        } catch (IOException | RuntimeException e) {
            etcd.close();
            throw e;
        }
    }

    URI url() {
        return URI.create((pki == null ? "http" : "https") + "://127.0.0.1:" + clientPort);
    }

    /** The CA of a TLS etcd: it signed etcd's certificate and is the one etcd trusts client certificates of. */
    EtcdPki pki() {
        return pki;
    }

    /** A file beside etcd's own, e.g. for a test's other CA. */
    Path file(String name) {
        return dir.resolve(name);
    }

    /** Kills etcd, as a crash or a host going down would, and keeps its data. */
    void stop() {
        kill();
    }

    /** Starts etcd on the same ports and data directory, and waits until it serves. */
    void startAgain() throws IOException {
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of("etcd", "--name", "test", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", url().toString(), "--advertise-client-urls", url().toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=" + peer, "--listen-metrics-urls", metrics().toString()));
        if (pki != null) {
            command.addAll(List.of("--cert-file", serverCertificate.certificate().toString(),
                    "--key-file", serverCertificate.key().toString(),
                    "--client-cert-auth", "--trusted-ca-file", pki.ca().toString()));
        }
        Path log = dir.resolve("etcd.log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IOException("cannot run etcd (apt-get install etcd-server): " + e.getMessage(), e);
        }
        awaitHealthy(log);
    }

    private URI metrics() {
        return URI.create("http://127.0.0.1:" + metricsPort);
    }

    private void awaitHealthy(Path log) throws IOException {
        HttpRequest health = HttpRequest.newBuilder(metrics().resolve("/health")).timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("etcd exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.ofString()).body().contains("\"true\"")) {
                        return;
                    }
                } catch (IOException notYet) {
                    // Not listening yet.
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for etcd", e);
        }
        throw new IOException("etcd did not become healthy within " + READY_WITHIN + ":\n" + Files.readString(log));
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException exiting) {
            // The JVM is exiting and the hook runs anyway.
        }
    }

    private synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
