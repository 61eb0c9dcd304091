package dev.overlayd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A certificate authority for the tests' TLS, as an operator would run one with openssl: a CA, the
 * server certificate etcd shows (for an IP address), client certificates for the nodes, and web
 * sites' certificates for the edge proxy. EC P-256
 * keys in PKCS#8 PEM, each key readable by its owner alone as key files must be.
 */
public final class EtcdPki {
    /** A certificate and its key. */
    public record Issued(Path certificate, Path key) {}

    private final Path dir;
    private final String name;

    /** A new CA named {@code name} in {@code dir}. */
    public EtcdPki(Path dir, String name) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.name = name;
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=" + name, "-keyout", key(name).toString(), "-out", ca().toString());
    }

    public Path ca() {
        return dir.resolve(name + ".crt");
    }

    /** etcd's certificate, for clients that reach it at {@code ip}. */
    public Issued server(String ip) throws IOException {
        return issue("server", "subjectAltName=IP:" + ip + "\nextendedKeyUsage=serverAuth\n");
    }

    /** A web site's certificate for {@code names} (DNS names, the first its subject), as the edge proxy shows it by SNI. */
    public Issued site(String... names) throws IOException {
        StringBuilder san = new StringBuilder("subjectAltName=");
        for (int i = 0; i < names.length; i++) {
            san.append(i == 0 ? "" : ",").append("DNS:").append(names[i]);
        }
        return issue(names[0], san + "\nextendedKeyUsage=serverAuth\n");
    }

    /** A node's client certificate for etcd; etcd takes {@code commonName} as the user when auth is on. */
    public Issued client(String commonName) throws IOException {
        return issue(commonName, "extendedKeyUsage=clientAuth\n");
    }

    private Issued issue(String subject, String extensions) throws IOException {
        Path key = key(subject);
        Path request = dir.resolve(subject + ".csr");
        Path certificate = dir.resolve(subject + ".crt");
        Path ext = Files.writeString(dir.resolve(subject + ".ext"), extensions);
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=" + subject, "-keyout", key.toString(), "-out", request.toString());
        openssl("x509", "-req", "-in", request.toString(), "-CA", ca().toString(), "-CAkey", key(name).toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", certificate.toString());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return new Issued(certificate, key);
    }

    private Path key(String subject) {
        return dir.resolve(subject + ".key");
    }

    private static void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Commands.Result r = Commands.run(command, 60);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + r.output());
        }
    }
}
