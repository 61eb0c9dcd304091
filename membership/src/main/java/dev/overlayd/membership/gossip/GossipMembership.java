package dev.overlayd.membership.gossip;

import dev.overlayd.membership.RecordLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.RateLimiter;
import dev.overlayd.peers.Device;

/**
 * The embedded membership backend: no service besides the nodes themselves. A new node joins
 * through any member it can reach (a {@link JoinExchange} on the device's UDP port); from then on
 * members gossip inside the overlay: beats to everyone every interval, a sync with one random
 * member (a digest of one range of names, answered with what differs), and news (joins,
 * departures, revocations) flooded at once; no datagram over {@link GossipMessage#MAX_DATAGRAM}, and
 * at most {@link GossipNode#MAX_NODES} nodes. Every record is signed by the
 * member it describes ({@link SignedRecord}); the format is versioned ({@link GossipMessage}).
 * Plugin records travel beside them ({@link RecordGossip}): a change pushed to every member at
 * once, the set's version in every beat, and the whole set pulled in parts by whoever is behind.
 *
 * <p>One thread owns all state ({@link GossipNode}). The receiving threads hand it copies through
 * a bounded {@link Inbox}, and only of what may matter: gossip from a present node's overlay
 * address, join messages within their source's rate. Whatever does not fit is dropped and
 * counted ({@link #drops()}), never queued without bound.
 */
public final class GossipMembership implements Membership {
    private static final Logger LOG = Logger.getLogger(GossipMembership.class.getName());
    /** Datagrams queued to the membership's thread at most, and their bytes: a few MB whatever arrives. */
    static final int INBOX_CAPACITY = 256;
    static final long INBOX_BYTES = 4L << 20;

    private final GossipTransport transport;
    private final PrivateKey key;
    private final byte[] prologue;
    private final Admission admission;
    private final GossipSettings settings;
    private final Clock clock;
    private final Seeds seeds;
    private final Seeds.Lookup lookup;
    private final GossipDrops drops = new GossipDrops();
    private final Inbox inbox;
    private final ScheduledExecutorService loop;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final String name;
    /** This node's plugin records: what is published before the start waits here for it. */
    private final OwnRecordSet own;
    /** Held while the node starts: a record published meanwhile waits for it rather than slip past it. */
    private final Object starting = new Object();
    private volatile GossipNode node;
    private volatile boolean closed;

    /**
     * @param prologue binds joins to one cluster, e.g. its CA certificate's fingerprint
     * @param address this node's overlay address, already on the interface: gossip is sent from it
     */
    public GossipMembership(Device device, PrivateKey key, byte[] prologue, InetAddress address, Admission admission,
            GossipSettings settings, Clock clock) {
        this(device.name(), new UdpTransport(device, address, settings.port(), clock), key, prologue, admission, settings,
                clock, InetAddress::getAllByName);
    }

    GossipMembership(String name, GossipTransport transport, PrivateKey key, byte[] prologue, Admission admission,
            GossipSettings settings, Clock clock, Seeds.Lookup lookup) {
        this.name = name;
        this.transport = transport;
        this.key = key;
        this.prologue = prologue.clone();
        this.admission = admission;
        this.settings = settings;
        this.clock = clock;
        this.lookup = lookup;
        this.seeds = new Seeds(settings.seeds(), lookup);
        this.own = new OwnRecordSet(clock);
        this.inbox = new Inbox(INBOX_CAPACITY, INBOX_BYTES, new RateLimiter(clock, new SecureRandom()), drops);
        this.loop = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(name + "-members").daemon().factory());
    }

    @Override
    public void start(Member self, MembershipListener listener) throws IOException {
        synchronized (starting) {
            node = call(() -> new GossipNode(self, key, prologue, admission, settings, clock, transport, listener, drops,
                    seeds::addresses, lookup, own));
        }
        transport.start(new GossipTransport.Receiver() {
            @Override
            public void gossip(byte[] buf, int off, int len, InetAddress from) {
                // Filtered before anything is copied: only present nodes gossip.
                if (!node.senders().contains(from)) {
                    drops.count(GossipDrops.Reason.NOT_A_MEMBER);
                } else {
                    enqueue(Inbox.Kind.GOSSIP, buf, off, len, new InetSocketAddress(from, 0));
                }
            }

            @Override
            public void join(byte[] buf, int off, int len, InetSocketAddress from) {
                enqueue(Inbox.Kind.JOIN, buf, off, len, from);
            }
        });
        seeds.start(name + "-seeds");
        long interval = settings.interval().toNanos();
        loop.scheduleAtFixedRate(() -> guarded("tick", () -> {
            node.tick();
            inbox.collectGarbage();
        }), 0, interval, TimeUnit.NANOSECONDS);
        // Checked more often than members beat, so that a silent member goes within the TTL plus a quarter beat.
        loop.scheduleAtFixedRate(() -> guarded("expiry", node::expire), interval / 4, interval / 4, TimeUnit.NANOSECONDS);
    }

    private void enqueue(Inbox.Kind kind, byte[] buf, int off, int len, InetSocketAddress from) {
        if (closed || !inbox.offer(kind, buf, off, len, from)) {
            return;
        }
        // One drain task at a time on the loop's queue, however many datagrams wait.
        scheduleDrain();
    }

    private void drain() {
        draining.set(false);
        for (int i = 0; i < INBOX_CAPACITY; i++) {
            Inbox.Datagram d = inbox.poll();
            if (d == null) {
                return;
            }
            guarded("a datagram", () -> {
                if (d.kind() == Inbox.Kind.JOIN) {
                    node.join(d.bytes(), d.from());
                } else {
                    node.gossip(d.bytes(), d.from().getAddress());
                }
            });
        }
        // Still more: the rest after the ticks already waiting.
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
            }
        }
    }

    @Override
    public void update(Member self) throws IOException {
        call(() -> {
            node.update(self);
            return null;
        });
    }

    @Override
    public void host(Member host) throws IOException {
        call(() -> {
            node.host(host);
            return null;
        });
    }

    @Override
    public void publish(String key, byte[] value) throws IOException {
        byte[] copy = value == null ? null : value.clone();
        synchronized (starting) {
            if (node == null) {
                own.change(key, copy);
                return;
            }
        }
        // Refused here, in the caller's thread, with the limit it is past.
        String refusal = RecordLimits.refusal(key, copy == null ? new byte[0] : copy);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        call(() -> {
            node.publish(key, copy);
            return null;
        });
    }

    @Override
    public Map<String, String> unsettled() {
        GossipNode n = node;
        if (n == null) {
            return Map.of();
        }
        try {
            return call(n::unsettled);
        } catch (IOException e) {
            return Map.of();
        }
    }

    @Override
    public void revoke(byte[] revocationList) throws IOException {
        call(() -> {
            if (!node.revoke(revocationList)) {
                throw new IOException("not a newer revocation list signed by this cluster's CA");
            }
            return null;
        });
    }

    @Override
    public List<Member> members() {
        GossipNode n = node;
        return n == null ? List.of() : n.view();
    }

    @Override
    public Map<String, Long> drops() {
        return drops.snapshot();
    }

    @Override
    public void leave() {
        try {
            Map<PublicKey, Long> before = transport.sent(call(node::nodeKeys));
            int size = call(node::leave);
            transport.awaitSent(before, size);
        } catch (IOException e) {
            LOG.warning("announcing the departure failed: " + e.getMessage());
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        seeds.close();
        loop.shutdownNow();
        try {
            loop.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
        if (node != null) {
            node.close();
        }
    }

    private void guarded(String what, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "membership " + what + " failed: " + e);
        }
    }

    private interface Work<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} on the loop thread and waits for it. */
    private <T> T call(Work<T> work) throws IOException {
        try {
            return loop.submit(() -> work.run()).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (RejectedExecutionException e) {
            throw new IOException("membership closed");
        }
    }
}
