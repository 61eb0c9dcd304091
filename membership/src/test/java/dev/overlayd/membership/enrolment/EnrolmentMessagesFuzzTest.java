package dev.overlayd.membership.enrolment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.MutableClock;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;

/**
 * Enrolment's datagrams on the device's port, both ways: into a member that issues certificates
 * (anyone may send it anything) and into a newcomer asking for one (anyone may answer it). The
 * issuer answers or drops (counted), the newcomer goes on, ignores the message or fails with an
 * EnrolmentFailed; no other exception. The harness runs a real exchange with a token up to the
 * step the fuzzer picked and XORs the fuzzer's bytes onto that step's real message; the newcomer
 * takes only the certificate the issuer issued it, and an exchange the mask left alone always ends
 * with one.
 */
class EnrolmentMessagesFuzzTest {
    private static final InetSocketAddress FROM = new InetSocketAddress("198.18.1.9", 40000);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final MutableClock WALL = new MutableClock(Instant.now());
    private static final Clock CLOCK = new Clock() {
        @Override
        public long nanoTime() {
            return WALL.instant().getEpochSecond() * 1_000_000_000L + WALL.instant().getNano();
        }

        @Override
        public long epochNanos() {
            return nanoTime();
        }
    };
    private static final List<NodeCertificate> ISSUED = new ArrayList<>();
    @TempDir
    static Path dir;
    private static EnrolmentResponder responder;
    private static JoinToken token;
    private static long runs;
    /** Certificates issued since the clock last passed the lifetime of those before. */
    private static int issued;
    /** The issuer's range holds this many /24s, one per certificate. */
    private static final int SUBNETS = 16;
    private static final Duration LIFETIME = Duration.ofHours(2);

    @BeforeAll
    static void issuer() throws Exception {
        CertificateAuthority authority = CertificateAuthority.init(dir.resolve("ca"), "test",
                IpPrefix.parse("100.64.0.0/16"), 3650);
        authority.createIssuer("asg", IpPrefix.parse("100.64.128.0/20"), 3650);
        ClusterCa ca = ClusterCa.read(dir.resolve("ca/ca.crt"));
        Issuer issuer = Issuer.load(dir.resolve("ca/issuers/asg.crt"), dir.resolve("ca/issuers/asg.key"), ca,
                dir.resolve("issuing"), Duration.ofHours(1), WALL);
        TokenStore tokens = new TokenStore(dir.resolve("tokens.json"), WALL);
        token = tokens.create("issuer-node", ca.fingerprint(), Duration.ofDays(3650), 0, List.of("web"));
        responder = new EnrolmentResponder("issuer-node", new EnrolmentRedirects(name -> null), issuer, tokens, ca,
                PrivateKey.generate(RANDOM), Set::of, LIFETIME, CLOCK, RANDOM,
                new EnrolmentResponder.Events() {
                    @Override
                    public void issued(NodeCertificate certificate, InetSocketAddress from, boolean renewal) {
                        ISSUED.add(certificate);
                        issued++;
                    }

                    @Override
                    public void refused(InetSocketAddress from, String why) {}
                });
    }

    @FuzzTest
    void enrolmentMessages(FuzzedDataProvider data) throws Exception {
        // Past the responder's exchange lifetime now and then, so that its table of exchanges never fills;
        // past the certificates' lifetime and the hour a released subnet rests, before the range fills.
        if (++runs % 128 == 0) {
            WALL.advance(Duration.ofSeconds(11));
        }
        if (issued >= SUBNETS / 2) {
            WALL.advance(LIFETIME.plusHours(1).plusMinutes(1));
            issued = 0;
        }
        int mode = data.consumeInt(0, 2);
        if (mode == 0) {
            responder.receive(data.consumeRemainingAsBytes(), FROM);
            return;
        }
        // The message the fuzzer changes, counted from 0: the even ones go into the responder (the first
        // message without and with the cookie, then Noise's third), the odd ones into the asker (the
        // cookie, Noise's second, the answer).
        int target = (mode == 1 ? 0 : 1) + 2 * data.consumeInt(0, 2);
        byte[] mask = data.consumeRemainingAsBytes();
        ISSUED.clear();
        boolean touched = false;
        // A name of its own each run: the issuer gives a name to one key only.
        try (EnrolmentAsker asker = EnrolmentAsker.withToken(token, PrivateKey.generate(RANDOM), "web-" + runs,
                RANDOM.nextInt(), CLOCK)) {
            byte[] sending = asker.first();
            // The first message goes out twice: once for the cookie, once with it.
            int step = -1;
            for (int round = 0; round < 5 && sending != null; round++) {
                step++;
                if (step == target) {
                    sending = sending.clone();
                    touched = xor(sending, mask);
                }
                byte[] answer = responder.receive(sending, FROM);
                if (answer == null) {
                    assertTrue(touched, "the issuer dropped a genuine message");
                    return;
                }
                step++;
                if (step == target) {
                    answer = answer.clone();
                    touched = xor(answer, mask);
                }
                EnrolmentAsker.Next next;
                try {
                    next = asker.receive(answer);
                } catch (EnrolmentFailed e) {
                    assertTrue(touched, "a genuine exchange failed: " + e.getMessage());
                    return;
                }
                if (next instanceof EnrolmentAsker.Next.Done done) {
                    // A forger may make the exchange start again (a step byte turned into a cookie's),
                    // so a changed exchange may still end well: but only with what the issuer issued.
                    assertEquals(1, ISSUED.size(), "a newcomer took a certificate the issuer did not issue");
                    assertArrayEquals(ISSUED.getFirst().encoded(), done.certificate().encoded(),
                            "a newcomer took a certificate the issuer did not issue");
                    return;
                }
                sending = next instanceof EnrolmentAsker.Next.Send send ? send.message() : null;
            }
            assertTrue(touched, "a genuine exchange gave no certificate");
        }
    }

    /** XORs the mask onto the message in place; whether that changed any byte. */
    private static boolean xor(byte[] message, byte[] mask) {
        boolean changed = false;
        for (int i = 0; i < mask.length && i < message.length; i++) {
            message[i] ^= mask[i];
            changed |= mask[i] != 0;
        }
        return changed;
    }
}
