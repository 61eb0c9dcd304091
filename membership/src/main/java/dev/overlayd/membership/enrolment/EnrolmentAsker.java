package dev.overlayd.membership.enrolment;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * The asking side of one enrolment exchange, sans I/O. A newcomer proves the token and trusts the
 * issuer only as far as the token's CA fingerprint reaches: the CA certificate in the second message
 * must be the one the token names, and the certificate in the fourth must chain to it and bind this
 * node's own key (so another holder of the token, posing as the issuer, gets nowhere). A renewal
 * proves the certificate it holds.
 */
final class EnrolmentAsker implements AutoCloseable {
    /** What to do with an answer. */
    sealed interface Next {
        /** Send this (and wait for the next answer). */
        record Send(byte[] message) implements Next {}

        /** The exchange is over: the certificate issued, and the CA it chains to. */
        record Done(NodeCertificate certificate, ClusterCa ca) implements Next {}

        /** Not for this exchange, or not authentic: keep waiting. */
        record Ignore() implements Next {}

        /** The member asked for is at {@code endpoint}: send the first message there. */
        record Redirect(InetSocketAddress endpoint) implements Next {}
    }

    private final EnrolmentHandshake handshake;
    private final EnrolmentMessage.Kind kind;
    private final int id;
    private final JoinToken token;
    private final String name;
    private final NodeCertificate current;
    private final PublicKey publicKey;
    private final byte[] request;
    private final Clock clock;
    private ClusterCa ca;
    private byte[] first;
    private int step = 1;

    private EnrolmentAsker(EnrolmentMessage.Kind kind, PrivateKey key, JoinToken token, String name,
                           NodeCertificate current, ClusterCa ca, String answerer, int id, Clock clock) {
        this.kind = kind;
        this.id = id;
        this.token = token;
        this.name = name;
        this.current = current;
        this.ca = ca;
        this.clock = clock;
        this.publicKey = key.publicKey();
        byte[] psk = token == null ? null : token.psk();
        handshake = EnrolmentHandshake.asker(kind, key, psk, id, token == null ? 0 : tokenId(token), answerer);
        if (psk != null) {
            java.util.Arrays.fill(psk, (byte) 0);
        }
        try (SigningKey signing = SigningKey.derive(key)) {
            request = kind == EnrolmentMessage.Kind.TOKEN ? EnrolmentPayloads.ask(name, signing.verifyingKey())
                    : current.encoded();
        }
        try {
            first = handshake.write(1, new byte[0]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the first message of a handshake failed: " + e.getMessage(), e);
        }
    }

    /** A newcomer with a token, asking the token's issuer a certificate for {@code name} and {@code key}'s public half. */
    static EnrolmentAsker withToken(JoinToken token, PrivateKey key, String name, int id, Clock clock) {
        return new EnrolmentAsker(EnrolmentMessage.Kind.TOKEN, key, token, name, null, null, token.issuer(), id, clock);
    }

    /** A member renewing {@code current}, which {@code ca} issued, with the member named {@code issuer}. */
    static EnrolmentAsker renewal(NodeCertificate current, ClusterCa ca, PrivateKey key, String issuer, int id, Clock clock) {
        return new EnrolmentAsker(EnrolmentMessage.Kind.RENEWAL, key, null, current.name(), current, ca, issuer, id, clock);
    }

    /** The first message, with the issuer's cookie once it gave one. */
    byte[] first() {
        return first;
    }

    /** The reply to an issuer's message. */
    Next receive(byte[] message) throws EnrolmentFailed {
        EnrolmentMessage m = EnrolmentMessage.parse(message);
        if (m == null || m.id() != id || m.kind() != kind) {
            return new Next.Ignore();
        }
        try {
            return switch (m.step()) {
                case EnrolmentMessage.COOKIE -> {
                    if (step != 1) {
                        yield new Next.Ignore();
                    }
                    first = EnrolmentMessage.withCookie(first, m.cookie());
                    yield new Next.Send(first);
                }
                case EnrolmentMessage.REFUSED -> throw new EnrolmentFailed(kind == EnrolmentMessage.Kind.TOKEN
                        ? "the issuer refused the token " + token.id() + ": it is unknown, expired, used up or revoked, "
                        + "or its secret is wrong" : "the issuer refused the renewal");
                case EnrolmentMessage.REDIRECT -> {
                    InetSocketAddress to = m.redirectedTo();
                    yield step == 1 && to != null ? new Next.Redirect(to) : new Next.Ignore();
                }
                case 2 -> step == 1 ? second(m) : new Next.Ignore();
                case 4 -> step == 3 ? answer(m) : new Next.Ignore();
                default -> new Next.Ignore();
            };
        } catch (GeneralSecurityException | IllegalStateException e) {
            // Not from the issuer this handshake speaks with: a forgery, or noise on the wire.
            return new Next.Ignore();
        }
    }

    private Next second(EnrolmentMessage m) throws GeneralSecurityException, EnrolmentFailed {
        byte[] payload = handshake.read(m);
        if (kind == EnrolmentMessage.Kind.TOKEN) {
            ClusterCa theirs;
            try {
                theirs = ClusterCa.decode(payload);
            } catch (IdentityException e) {
                throw new EnrolmentFailed("the issuer sent a CA certificate that does not decode: " + e.getMessage());
            }
            if (!MessageDigest.isEqual(theirs.fingerprint(), token.caFingerprint())) {
                throw new EnrolmentFailed("the issuer is not of the cluster the token names: its CA's fingerprint is "
                        + HexFormat.of().formatHex(theirs.fingerprint()) + ", the token's "
                        + HexFormat.of().formatHex(token.caFingerprint()));
            }
            ca = theirs;
        }
        step = 3;
        return new Next.Send(handshake.write(3, request));
    }

    private Next answer(EnrolmentMessage m) throws GeneralSecurityException, EnrolmentFailed {
        NodeCertificate cert;
        try {
            cert = EnrolmentPayloads.readAnswer(handshake.openAnswer(m));
        } catch (IdentityException e) {
            throw new EnrolmentFailed("the issuer's certificate does not decode: " + e.getMessage());
        }
        if (!cert.publicKey().equals(publicKey) || !cert.name().equals(name)) {
            throw new EnrolmentFailed("the issuer answered with a certificate for " + cert.name() + " and another key");
        }
        if (current != null && (!cert.address().equals(current.address()) || !cert.subnet().equals(current.subnet()))) {
            throw new EnrolmentFailed("the renewed certificate moves " + name + " from " + current.subnet() + " to "
                    + cert.subnet());
        }
        try {
            ca.verify(cert, Instant.ofEpochSecond(0, clock.epochNanos()));
        } catch (CertificateRejected e) {
            throw new EnrolmentFailed("the issuer's certificate is not valid in the cluster: " + e.getMessage());
        }
        step = 4;
        return new Next.Done(cert, ca);
    }

    private static int tokenId(JoinToken token) {
        return Integer.parseUnsignedInt(token.id(), 16);
    }

    @Override
    public void close() {
        handshake.close();
    }
}
