package dev.overlayd.membership.enrolment;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.HostPort;

/**
 * Enrolment's I/O on the asking side: a UDP socket of its own (a newcomer has no device yet; a
 * renewing member needs none), the exchange with one issuer after another, and the retries. A
 * message unanswered within {@link #ANSWER_MILLIS} is sent again, {@link #TRIES} times in all.
 */
public final class EnrolmentClient {
    private static final Logger LOG = Logger.getLogger(EnrolmentClient.class.getName());
    static final int ANSWER_MILLIS = 1000;
    static final int TRIES = 3;
    /** The longest wait between rounds over the seeds while no issuer answers. */
    static final long MAX_BACKOFF_MILLIS = 30_000;
    /** How often one exchange follows a member's pointer to another: once is the rule, twice a member that moved. */
    static final int MAX_REDIRECTS = 2;

    /** A certificate issued, the CA it chains to, and where the issuer answered. */
    public record Enrolled(NodeCertificate certificate, ClusterCa ca, InetSocketAddress issuer) {}

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public EnrolmentClient(Clock clock) {
        this.clock = clock;
    }

    /**
     * Enrols with {@code token} through {@code seeds}, in turn, until one issues a certificate: a
     * seed that does not answer is tried again after a while, for as long as it takes (an auto-scaling
     * group's instance may boot before its issuer does); a refusal ends it.
     */
    public Enrolled enrol(JoinToken token, PrivateKey key, String name, List<HostPort> seeds)
            throws EnrolmentFailed, InterruptedException {
        long backoff = ANSWER_MILLIS;
        while (true) {
            for (HostPort seed : seeds) {
                InetSocketAddress target;
                try {
                    target = seed.resolve();
                } catch (IOException e) {
                    LOG.info("enrolment: seed " + seed + " does not resolve yet: " + e.getMessage());
                    continue;
                }
                try (EnrolmentAsker asker = EnrolmentAsker.withToken(token, key, name, random.nextInt(), clock)) {
                    Answered answered = exchange(asker, target);
                    if (answered != null) {
                        return new Enrolled(answered.done().certificate(), answered.done().ca(), answered.by());
                    }
                } catch (IOException e) {
                    LOG.info("enrolment: " + seed + ": " + e.getMessage());
                }
            }
            LOG.info("enrolment: no issuer answered at " + seeds + "; trying again in " + backoff / 1000 + "s");
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    /** Renews {@code current} with the member named {@code name}, at {@code issuer}, once: the caller retries later. */
    public NodeCertificate renew(NodeCertificate current, ClusterCa ca, PrivateKey key, String name,
                                 InetSocketAddress issuer) throws EnrolmentFailed, IOException {
        try (EnrolmentAsker asker = EnrolmentAsker.renewal(current, ca, key, name, random.nextInt(), clock)) {
            Answered answered = exchange(asker, issuer);
            if (answered == null) {
                throw new IOException("the issuer at " + issuer + " did not answer");
            }
            return answered.done().certificate();
        }
    }

    /** The end of an exchange, and the endpoint of the member that answered it. */
    private record Answered(EnrolmentAsker.Next.Done done, InetSocketAddress by) {}

    /**
     * One exchange, with the member at {@code target} or where it points ({@link #MAX_REDIRECTS} times
     * at most); null when it stopped answering.
     */
    private static Answered exchange(EnrolmentAsker asker, InetSocketAddress target)
            throws IOException, EnrolmentFailed {
        int redirects = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(ANSWER_MILLIS);
            byte[] buf = new byte[65536];
            byte[] sending = asker.first();
            int tries = 0;
            while (tries++ < TRIES) {
                socket.send(new DatagramPacket(sending, sending.length, target));
                long deadline = System.nanoTime() + ANSWER_MILLIS * 1_000_000L;
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        break;
                    }
                    socket.setSoTimeout((int) left);
                    DatagramPacket packet = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    if (!packet.getSocketAddress().equals(target)) {
                        continue;
                    }
                    EnrolmentAsker.Next next = asker.receive(Arrays.copyOf(packet.getData(), packet.getLength()));
                    if (next instanceof EnrolmentAsker.Next.Done done) {
                        return new Answered(done, target);
                    }
                    if (next instanceof EnrolmentAsker.Next.Redirect redirect && redirects++ < MAX_REDIRECTS) {
                        LOG.info("enrolment: " + HostPort.of(target) + " points to " + HostPort.of(redirect.endpoint()));
                        target = redirect.endpoint();
                        next = new EnrolmentAsker.Next.Send(asker.first());
                    }
                    if (next instanceof EnrolmentAsker.Next.Send send) {
                        sending = send.message();
                        tries = 0;
                        socket.send(new DatagramPacket(sending, sending.length, target));
                        deadline = System.nanoTime() + ANSWER_MILLIS * 1_000_000L;
                    }
                }
            }
            return null;
        }
    }
}
