package dev.overlayd.routing.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** Real servers on loopback for the proxy to send requests to; each is stopped by {@link #close}. */
final class Backends implements AutoCloseable {
    private final List<AutoCloseable> running = new ArrayList<>();

    /**
     * The JDK's server, called {@code name}: {@code /echo} answers the request's headers as lines
     * ({@code name: value}, lower case) and the peer's port; {@code /upload} reads the body and says
     * how long it was; {@code /download?N} sends N bytes; {@code /slow} answers after 5 s.
     * Every answer carries {@code X-Backend: name}.
     */
    HttpServer echo(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/echo", e -> {
            StringBuilder text = new StringBuilder("uri: " + e.getRequestURI() + "\n");
            for (Map.Entry<String, List<String>> h : e.getRequestHeaders().entrySet()) {
                for (String v : h.getValue()) {
                    text.append(h.getKey().toLowerCase(Locale.ROOT)).append(": ").append(v).append('\n');
                }
            }
            text.append("peer-port: ").append(e.getRemoteAddress().getPort()).append('\n');
            e.getRequestBody().readAllBytes();
            answer(e, name, text.toString());
        });
        server.createContext("/upload", e -> {
            long n = 0;
            byte[] buffer = new byte[65536];
            try (InputStream in = e.getRequestBody()) {
                for (int r; (r = in.read(buffer)) >= 0; ) {
                    n += r;
                }
            }
            answer(e, name, "received " + n);
        });
        server.createContext("/download", e -> {
            long n = Long.parseLong(e.getRequestURI().getRawQuery());
            e.getResponseHeaders().set("X-Backend", name);
            e.sendResponseHeaders(200, n);
            byte[] chunk = new byte[65536];
            try (OutputStream out = e.getResponseBody()) {
                for (long sent = 0; sent < n; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, n - sent));
                }
            }
        });
        server.createContext("/slow", e -> {
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            answer(e, name, "late");
        });
        server.start();
        running.add(() -> {
            server.stop(0);
            threads.shutdownNow();
        });
        return server;
    }

    private static void answer(HttpExchange e, String name, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("X-Backend", name);
        e.sendResponseHeaders(200, body.length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(body);
        }
    }

    /** busybox httpd serving {@code index.html} that says {@code name}; its port. */
    int busybox(String name, Path dir) throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve(name));
        Files.writeString(root.resolve("index.html"), name + "\n");
        int port = freePort();
        Process httpd = new ProcessBuilder("/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", root.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        running.add(() -> {
            httpd.destroy();
            httpd.waitFor();
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return port;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !httpd.isAlive()) {
                    throw new IOException("busybox httpd did not start on port " + port);
                }
                Thread.sleep(20);
            }
        }
    }

    /** A port on loopback nobody listens on (bound, then closed): connections to it are refused. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A server that accepts connections and closes each at once, answering nothing: a crashing application. */
    int hangUp() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getInputStream().read();
                } catch (IOException closed) {
                    // The test is over, or the proxy went away first.
                }
            }
        });
        running.add(() -> {
            s.close();
            t.join();
        });
        return s.getLocalPort();
    }

    /**
     * A server that answers the first request of each connection, keeping it alive, and closes it
     * unanswered when the next one comes: a copy that closed a kept-alive connection just as a
     * request went out on it (its idle timeout, or a stop).
     */
    int answersOncePerConnection() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    Thread.ofVirtual().start(() -> {
                        try (c) {
                            var in = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(),
                                    java.nio.charset.StandardCharsets.US_ASCII));
                            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                                // The first request's head.
                            }
                            c.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                            in.readLine();
                        } catch (IOException gone) {
                            // The proxy closed it first.
                        }
                    });
                } catch (IOException closed) {
                    // The test is over.
                }
            }
        });
        running.add(() -> {
            s.close();
            t.join();
        });
        return s.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }
}
