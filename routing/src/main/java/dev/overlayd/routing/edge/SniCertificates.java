package dev.overlayd.routing.edge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;
import javax.security.auth.x500.X500Principal;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;

/**
 * The certificates the edge shows, chosen by the name a client asks for (SNI): each certificate
 * serves its DNS names (subject alternative names, or its CN if it has none; {@code *.example.com}
 * as a wildcard), the first one listed serves clients that name none or a name no certificate has.
 * {@link #reload} reads every file again and swaps the whole set at once; handshakes already done
 * keep the context they began with, so no connection is dropped.
 */
final class SniCertificates implements Mapping<String, SslContext> {
    private static final Logger LOG = System.getLogger(SniCertificates.class.getName());
    private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    /** TLS 1.3's own suites, which https.ciphers does not choose. */
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private final EdgeConfig.Https https;
    private final SslProvider provider;
    private volatile Mapping<String, SslContext> contexts;

    private SniCertificates(EdgeConfig.Https https, SslProvider provider, Mapping<String, SslContext> contexts) {
        this.https = https;
        this.provider = provider;
        this.contexts = contexts;
    }

    /** @throws IOException naming the file that is missing, unreadable or not what it should be */
    static SniCertificates load(EdgeConfig.Https https, SslProvider provider) throws IOException {
        return new SniCertificates(https, provider, build(https, provider));
    }

    @Override
    public SslContext map(String serverName) {
        return contexts.map(serverName);
    }

    SslProvider provider() {
        return provider;
    }

    /** The files read, for watching them. */
    List<Path> files() {
        List<Path> files = new ArrayList<>();
        https.certificates().forEach(c -> files.addAll(List.of(c.cert(), c.key())));
        return files;
    }

    /** Reads the files again; if one of them is bad, keeps what it had and says why. */
    synchronized void reload() {
        try {
            contexts = build(https, provider);
            LOG.log(Level.INFO, "edge: certificates read again from {0}", files());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "edge: certificates not reloaded, still serving the previous ones: {0}", e.getMessage());
        }
    }

    /** A handler that picks the context for each connection; the TLS handshake must be over within {@code timeout}. */
    SniHandler newHandler(Duration timeout) {
        return new SniHandler(this, timeout.toMillis()) {
            @Override
            protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                SslHandler handler = super.newSslHandler(context, allocator);
                handler.setHandshakeTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                return handler;
            }
        };
    }

    private static Mapping<String, SslContext> build(EdgeConfig.Https https, SslProvider provider) throws IOException {
        DomainWildcardMappingBuilder<SslContext> builder = null;
        Set<String> taken = new HashSet<>();
        for (EdgeConfig.CertificateFiles files : https.certificates()) {
            List<String> names = names(files.cert());
            SslContext context = context(https, files, provider);
            if (builder == null) {
                builder = new DomainWildcardMappingBuilder<>(context);
            }
            for (String name : names) {
                // The first certificate listed for a name keeps it, as the default is the first listed.
                if (taken.add(name.toLowerCase(Locale.ROOT))) {
                    builder.add(name, context);
                }
            }
        }
        return builder.build();
    }

    private static SslContext context(EdgeConfig.Https https, EdgeConfig.CertificateFiles files, SslProvider provider)
            throws IOException {
        readable(files.key());
        SslContext context;
        try {
            context = SslContextBuilder.forServer(files.cert().toFile(), files.key().toFile())
                    .sslProvider(provider)
                    .protocols(https.protocols())
                    .ciphers(suites(https), SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(ALPN)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(files.key() + " (key of " + files.cert() + "): " + cause.getMessage(), e);
        }
        if (https.protocols().contains("TLSv1.2") && TLS13_SUITES.containsAll(context.cipherSuites())) {
            throw new IOException("https.ciphers: none of " + https.ciphers() + " is offered by " + provider);
        }
        try {
            HandshakeCheck.check(context, provider);
        } catch (IOException e) {
            throw new IOException(files.cert() + " with " + files.key() + ": " + e.getMessage(), e);
        }
        return context;
    }

    /**
     * The suites by the names Netty filters them by (IANA's, as Java writes them): overlay.yaml may
     * use OpenSSL's, as nginx and HAProxy configurations do. TLS 1.3's own are added when it is on,
     * as Netty turns TLS 1.3 off when the list has none of them.
     */
    private static List<String> suites(EdgeConfig.Https https) throws IOException {
        List<String> names = new ArrayList<>();
        if (https.protocols().contains("TLSv1.3")) {
            names.addAll(TLS13_SUITES);
        }
        for (String cipher : https.ciphers()) {
            String name = cipher.startsWith("TLS_") ? cipher : CipherSuiteConverter.toJava(cipher, "TLS");
            if (name == null) {
                throw new IOException("https.ciphers: " + cipher + " is not a cipher suite's name");
            }
            names.add(name);
        }
        return names;
    }

    /** The DNS names a certificate serves: its subject alternative names, else its CN. */
    private static List<String> names(Path file) throws IOException {
        readable(file);
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (chain.isEmpty()) {
                throw new IOException(file + ": no certificate in it (PEM, -----BEGIN CERTIFICATE-----)");
            }
            leaf = (X509Certificate) chain.iterator().next();
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate (" + e.getMessage() + ")", e);
        }
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            LOG.log(Level.WARNING, "edge: {0} is not valid now: {1}", file, e.getMessage());
        }
        List<String> names = new ArrayList<>();
        try {
            if (leaf.getSubjectAlternativeNames() != null) {
                for (List<?> san : leaf.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add((String) san.get(1));
                    }
                }
            }
            if (names.isEmpty()) {
                for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        names.add(rdn.getValue().toString());
                    }
                }
            }
        } catch (CertificateException | InvalidNameException e) {
            throw new IOException(file + ": its names cannot be read (" + e.getMessage() + ")", e);
        }
        if (names.isEmpty()) {
            throw new IOException(file + ": names no host (no DNS subject alternative name, no CN)");
        }
        return names;
    }

    private static void readable(Path file) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException(file + ": " + (Files.exists(file) ? "cannot be read" : "no such file"));
        }
    }
}
