package dev.overlayd.membership.etcd;

import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.net.ssl.SSLException;

/**
 * TLS to etcd as etcd's own client-certificate authentication expects it ({@code --client-cert-auth}):
 * etcd's server certificate is checked against the CA that etcd's operator runs (not the cluster's
 * overlay CA), and this node shows its client certificate. The context is built once, so the private
 * key is read, checked like every key file, handed to the TLS stack and wiped at once, however often
 * the session reconnects.
 */
public final class EtcdTls {
    private final SslContext context;

    private EtcdTls(SslContext context) {
        this.context = context;
    }

    /**
     * @param trustedCa the CA that signed etcd's server certificates (PEM)
     * @param certificate this node's client certificate for etcd (PEM, its chain after it if any)
     * @param key that certificate's private key (PEM, PKCS#8 or the algorithm's own form); owner-only
     * @throws IOException naming the file that cannot be used and why
     */
    public static EtcdTls read(Path trustedCa, Path certificate, Path key) throws IOException {
        byte[] ca = readFile(trustedCa);
        byte[] chain = readFile(certificate);
        byte[] secret;
        try {
            secret = KeyFiles.read(key);
        } catch (IdentityException e) {
            throw new IOException("etcd client key " + e.getMessage(), e);
        }
        try {
            return new EtcdTls(GrpcSslContexts.forClient()
                    .trustManager(new ByteArrayInputStream(ca))
                    .keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(secret))
                    .build());
        } catch (IllegalArgumentException | SSLException e) {
            // Netty names neither the file nor the part it could not read; the operator needs both.
            throw new IOException("etcd TLS files " + trustedCa + ", " + certificate + ", " + key
                    + " are not a CA certificate, a client certificate and its key in PEM: " + e.getMessage(), e);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    SslContext context() {
        return context;
    }

    private static byte[] readFile(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("etcd TLS file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("etcd TLS file " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "EtcdTls(client certificate)";
    }
}
