package dev.overlayd.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import dev.overlayd.membership.enrolment.EnrolmentFailed;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.PrivateJsonFile;
import dev.overlayd.peers.HostPort;

/**
 * Keeps an enrolled node's short-lived certificate fresh while it runs: it asks for a renewal once
 * two thirds of the certificate's life are over, and after a failure tries again every so often,
 * well before the certificate runs out.
 */
final class RenewalSchedule implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RenewalSchedule.class.getName());
    /** Never wait longer than this to try again after a failed renewal, nor less than the floor. */
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);
    private static final Duration MIN_RETRY = Duration.ofSeconds(5);

    /**
     * Which member issued this node's certificate (the token's issuer), and where it answered then,
     * in the state directory's issued-by.json: written again when the node enrols again.
     */
    record IssuedBy(String name, String endpoint) {
        private static PrivateJsonFile<IssuedBy> file(Path state) {
            return new PrivateJsonFile<>(state.resolve("issued-by.json"), IssuedBy.class, "the record of the issuing member");
        }

        static void write(Path state, String name, InetSocketAddress endpoint) throws IdentityException {
            file(state).write(new IssuedBy(name, HostPort.of(endpoint).toString()));
        }

        /** What {@link #write} wrote; null for a node that never enrolled (its certificate came from an operator). */
        static IssuedBy read(Path state) throws IdentityException {
            return file(state).read().orElse(null);
        }

        InetSocketAddress resolve() throws IOException {
            return HostPort.parse(endpoint).resolve();
        }
    }

    /** Asks for a renewal of {@code current}. */
    interface Renewer {
        NodeCertificate renew(NodeCertificate current) throws IOException, EnrolmentFailed;
    }

    /** Takes the renewed certificate into use. */
    interface Renewed {
        void renewed(NodeCertificate fresh) throws IOException;
    }

    private final ScheduledExecutorService timer;
    private final Renewer renewer;
    private final Renewed renewed;
    private volatile NodeCertificate current;

    RenewalSchedule(String interfaceName, NodeCertificate current, Renewer renewer, Renewed renewed) {
        this.current = current;
        this.renewer = renewer;
        this.renewed = renewed;
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(interfaceName + "-renewal").daemon().factory());
        schedule(due(current));
    }

    /**
     * When two thirds of the certificate's life are over. The issuer backdates notBefore by the
     * clock skew it allows, which is no part of the life to count from.
     */
    static Instant due(NodeCertificate cert) {
        Duration life = Duration.between(cert.notBefore().plus(ClusterCa.CLOCK_SKEW), cert.notAfter());
        Duration third = life.dividedBy(3);
        return cert.notAfter().minus(third.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : third);
    }

    private void schedule(Instant at) {
        long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
        timer.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        NodeCertificate cert = current;
        try {
            NodeCertificate fresh = renewer.renew(cert);
            renewed.renewed(fresh);
            current = fresh;
            LOG.info("certificate renewed: serial " + fresh.serial().toString(16) + ", valid until " + fresh.notAfter());
            schedule(due(fresh));
        } catch (IOException | EnrolmentFailed | RuntimeException e) {
            Duration left = Duration.between(Instant.now(), cert.notAfter());
            Duration retry = left.dividedBy(10);
            retry = retry.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : retry;
            LOG.warning("certificate renewal failed (" + e.getMessage() + "): trying again in " + retry.toSeconds()
                    + "s; the certificate runs out at " + cert.notAfter());
            schedule(Instant.now().plus(retry));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
