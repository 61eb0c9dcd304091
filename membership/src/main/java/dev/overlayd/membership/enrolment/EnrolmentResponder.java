package dev.overlayd.membership.enrolment;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import dev.overlayd.membership.gossip.JoinCookies;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;

/**
 * The issuer's side of enrolment, sans I/O: messages and time in, answers out. It keeps state for
 * an exchange only once the asker has echoed a cookie (so forged sources cost a MAC each) and, with
 * a token, once the first message proved the token's secret (so a stranger costs no Diffie-Hellman
 * either). A token is used up only when the asker has proven its static key, in the third message.
 * Used from one thread.
 */
public final class EnrolmentResponder implements EnrolmentAnswers {
    /** What happened, for the log; {@code why} of a refused token never says which of its faults it was. */
    public interface Events {
        void issued(NodeCertificate certificate, InetSocketAddress from, boolean renewal);

        void refused(InetSocketAddress from, String why);
    }

    /** An exchange is forgotten this long after it started: a few round trips, with room. */
    static final long EXCHANGE_NANOS = 10_000_000_000L;
    /** Exchanges kept at once; past this a new one waits for old ones to time out. */
    static final int MAX_EXCHANGES = 256;
    static final String TOKEN_REFUSED = "token refused (unknown, expired, used up, revoked, or a wrong secret)";

    private static final class Exchange {
        final EnrolmentHandshake handshake;
        final long started;
        final byte[] second;
        byte[] third;
        byte[] answer;

        Exchange(EnrolmentHandshake handshake, long started, byte[] second) {
            this.handshake = handshake;
            this.started = started;
            this.second = second;
        }
    }

    private record Key(InetSocketAddress from, int id) {}

    private final Issuer issuer;
    private final TokenStore tokens;
    private final ClusterCa ca;
    private final PrivateKey key;
    private final Supplier<Set<IpPrefix>> heldByMembers;
    private final Duration lifetime;
    private final Clock clock;
    private final Events events;
    private final JoinCookies cookies;
    private final String self;
    private final EnrolmentRedirects others;
    private final Map<Key, Exchange> exchanges = new LinkedHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /**
     * @param self this member's name: a first message for another member is pointed there ({@code others})
     * @param key this member's WireGuard private key, the static key of its side of the handshake
     * @param heldByMembers the subnets of the members seen now, which the issuer never hands out
     */
    public EnrolmentResponder(String self, EnrolmentRedirects others, Issuer issuer, TokenStore tokens, ClusterCa ca,
                              PrivateKey key, Supplier<Set<IpPrefix>> heldByMembers, Duration lifetime, Clock clock,
                              SecureRandom random, Events events) {
        this.self = self;
        this.others = others;
        this.issuer = issuer;
        this.tokens = tokens;
        this.ca = ca;
        this.key = key;
        this.heldByMembers = heldByMembers;
        this.lifetime = lifetime;
        this.clock = clock;
        this.events = events;
        this.cookies = new JoinCookies(clock, random);
    }

    @Override
    public byte[] receive(byte[] message, InetSocketAddress from) {
        EnrolmentMessage m = EnrolmentMessage.parse(message);
        if (m == null) {
            count("malformed");
            return null;
        }
        expire();
        return switch (m.step()) {
            case 1 -> first(m, from);
            case 3 -> third(m, from);
            default -> {
                count("unexpected step");
                yield null;
            }
        };
    }

    /** Certificates issued and renewed, tokens refused, first messages pointed to another member, messages dropped by reason. */
    @Override
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        others.counts().forEach((k, v) -> out.merge(k, v, Long::sum));
        return out;
    }

    private byte[] first(EnrolmentMessage m, InetSocketAddress from) {
        if (!self.equals(m.answerer())) {
            return others.redirect(m);
        }
        if (!cookies.valid(m.cookie(), from, m.id())) {
            // No bigger than the first message, so a forged source gains nothing from it.
            return EnrolmentMessage.frame(EnrolmentMessage.COOKIE, m.kind(), m.id(), m.tokenId(),
                    cookies.cookie(from, m.id()), null, new byte[0], 0);
        }
        Key k = new Key(from, m.id());
        Exchange held = exchanges.get(k);
        if (held != null) {
            // The second message was lost: the same again.
            return held.second;
        }
        if (exchanges.size() >= MAX_EXCHANGES) {
            count("busy");
            return null;
        }
        byte[] psk = null;
        if (m.kind() == EnrolmentMessage.Kind.TOKEN) {
            Optional<byte[]> usable = tokens.psk(tokenId(m.tokenId()));
            if (usable.isEmpty()) {
                return refuse(m, from, TOKEN_REFUSED);
            }
            psk = usable.get();
        }
        EnrolmentHandshake handshake = EnrolmentHandshake.issuer(m.kind(), key, psk, m.id(), m.tokenId());
        if (psk != null) {
            Arrays.fill(psk, (byte) 0);
        }
        try {
            handshake.read(m);
            // The CA's certificate, so that a newcomer checks the fingerprint its token carries; a renewal has it.
            byte[] second = handshake.write(2, m.kind() == EnrolmentMessage.Kind.TOKEN ? ca.encoded() : new byte[0]);
            exchanges.put(k, new Exchange(handshake, clock.nanoTime(), second));
            return second;
        } catch (GeneralSecurityException | IllegalStateException e) {
            handshake.close();
            if (m.kind() == EnrolmentMessage.Kind.TOKEN) {
                return refuse(m, from, TOKEN_REFUSED);
            }
            count("bad handshake");
            return null;
        }
    }

    private byte[] third(EnrolmentMessage m, InetSocketAddress from) {
        Key k = new Key(from, m.id());
        Exchange x = exchanges.get(k);
        if (x == null) {
            count("unknown exchange");
            return null;
        }
        if (x.answer != null) {
            // The answer was lost: the same again, for the same third message only.
            if (Arrays.equals(x.third, m.bytes())) {
                return x.answer;
            }
            count("unknown exchange");
            return null;
        }
        byte[] payload;
        try {
            payload = x.handshake.read(m);
        } catch (GeneralSecurityException | IllegalStateException e) {
            drop(k);
            count("bad handshake");
            return null;
        }
        byte[] answer;
        try {
            answer = EnrolmentPayloads.certificate(m.kind() == EnrolmentMessage.Kind.TOKEN
                    ? issue(m, x, payload, from) : renew(x, payload, from));
        } catch (IdentityException e) {
            answer = EnrolmentPayloads.error(e.getMessage());
            count("refused");
            events.refused(from, e.getMessage());
        } catch (TokenRefused e) {
            drop(k);
            return refuse(m, from, TOKEN_REFUSED);
        }
        try {
            x.third = m.bytes().clone();
            x.answer = x.handshake.answer(answer);
            return x.answer;
        } catch (GeneralSecurityException e) {
            drop(k);
            count("bad handshake");
            return null;
        }
    }

    private static final class TokenRefused extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private NodeCertificate issue(EnrolmentMessage m, Exchange x, byte[] payload, InetSocketAddress from)
            throws IdentityException, TokenRefused {
        EnrolmentPayloads.Ask ask = EnrolmentPayloads.readAsk(payload);
        Optional<List<String>> groups = tokens.use(tokenId(m.tokenId()));
        if (groups.isEmpty()) {
            throw new TokenRefused();
        }
        NodeCertificate cert = issuer.issue(new Issuer.Request(ask.name(), x.handshake.remoteKey(), ask.signingKey(),
                groups.get(), lifetime), heldByMembers.get());
        count("issued");
        events.issued(cert, from, false);
        return cert;
    }

    private NodeCertificate renew(Exchange x, byte[] payload, InetSocketAddress from) throws IdentityException {
        NodeCertificate current = NodeCertificate.decode(payload);
        try {
            ca.verify(current, Instant.ofEpochSecond(0, clock.epochNanos()));
        } catch (CertificateRejected e) {
            throw new IdentityException("the certificate to renew is not valid: " + e.getMessage());
        }
        if (!current.publicKey().equals(x.handshake.remoteKey())) {
            throw new IdentityException("the certificate to renew is " + current.name() + "'s, not the asker's");
        }
        NodeCertificate cert = issuer.renew(current, lifetime);
        count("renewed");
        events.issued(cert, from, true);
        return cert;
    }

    private byte[] refuse(EnrolmentMessage m, InetSocketAddress from, String why) {
        count("refused");
        events.refused(from, why + ", token " + tokenId(m.tokenId()));
        return EnrolmentMessage.frame(EnrolmentMessage.REFUSED, m.kind(), m.id(), m.tokenId(), null, null, new byte[0], 0);
    }

    private void expire() {
        long now = clock.nanoTime();
        var it = exchanges.values().iterator();
        while (it.hasNext()) {
            Exchange x = it.next();
            if (now - x.started < EXCHANGE_NANOS) {
                // In the order they started: the rest are younger.
                return;
            }
            x.handshake.close();
            it.remove();
        }
    }

    private void drop(Key k) {
        Exchange x = exchanges.remove(k);
        if (x != null) {
            x.handshake.close();
        }
    }

    private void count(String what) {
        counts.computeIfAbsent(what, w -> new AtomicLong()).incrementAndGet();
    }

    static String tokenId(int id) {
        return HexFormat.of().toHexDigits(id);
    }
}
