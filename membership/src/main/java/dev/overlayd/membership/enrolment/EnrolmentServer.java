package dev.overlayd.membership.enrolment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Logger;
import dev.overlayd.membership.gossip.RepeatedWarnings;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.HostPort;
import dev.overlayd.peers.SideChannel;

/**
 * Enrolment's I/O on a member (an issuing one, or one that points newcomers to it): its messages arrive on the device's UDP port (a side channel,
 * like the join's), are answered on one thread of their own (the handshake's Diffie-Hellman has no
 * place on the receive thread) and the answers leave from the same port. A flood beyond the queue
 * is dropped and counted.
 */
public final class EnrolmentServer implements SideChannel, EnrolmentResponder.Events, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EnrolmentServer.class.getName());
    private static final int QUEUE = 1024;

    private final Device device;
    private final EnrolmentAnswers answers;
    private final ThreadPoolExecutor worker;
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private final AtomicLong overflow = new AtomicLong();

    /**
     * Builds the server; {@code answersOf} makes what answers (a responder on an issuing member,
     * which tells this server what it did; redirects on any other).
     */
    public EnrolmentServer(Device device, Function<EnrolmentResponder.Events, EnrolmentAnswers> answersOf) {
        this.device = device;
        this.answers = answersOf.apply(this);
        worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                Thread.ofPlatform().name(device.name() + "-enrolment").daemon().factory(),
                (task, pool) -> overflow.incrementAndGet());
        device.attach(this);
    }

    @Override
    public byte type() {
        return EnrolmentMessage.TYPE;
    }

    @Override
    public void receive(byte[] buf, int off, int len, InetSocketAddress from) {
        byte[] message = Arrays.copyOfRange(buf, off, off + len);
        worker.execute(() -> answer(message, from));
    }

    private void answer(byte[] message, InetSocketAddress from) {
        byte[] reply = answers.receive(message, from);
        if (reply != null) {
            try {
                device.sendOther(reply, from);
            } catch (IOException e) {
                LOG.fine("enrolment answer to " + from + " not sent: " + e.getMessage());
            }
        }
    }

    /** What was answered and dropped, and the messages a full queue dropped. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>(answers.counts());
        if (overflow.get() > 0) {
            counts.put("queue full", overflow.get());
        }
        return counts;
    }

    @Override
    public void issued(NodeCertificate cert, InetSocketAddress from, boolean renewal) {
        LOG.info("enrolment: " + (renewal ? "renewed " + cert.name() + "'s certificate" : "issued " + cert.name() + " "
                + cert.address().getHostAddress() + " with subnet " + cert.subnet()) + " (serial " + cert.serial().toString(16)
                + ", valid until " + cert.notAfter() + ") to " + HostPort.of(from));
    }

    @Override
    public void refused(InetSocketAddress from, String why) {
        String suffix = warnings.pass(from.getAddress().getHostAddress(), System.nanoTime());
        if (suffix != null) {
            LOG.warning("enrolment: refused " + HostPort.of(from) + ": " + why + suffix);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
