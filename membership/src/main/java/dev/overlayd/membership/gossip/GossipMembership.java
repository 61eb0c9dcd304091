package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.SideChannel;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * The embedded membership backend: no service besides the nodes themselves. A new node joins
 * through any member it can reach (a {@link JoinExchange} on the device's UDP port); from then on
 * members gossip inside the overlay, where WireGuard has already authenticated who sends: beats
 * to everyone every interval, a full sync with one random member, and news (joins, departures,
 * revocations) flooded at once. One thread owns all state; the bind's thread and the gossip
 * socket's reader only hand it copies.
 */
public final class GossipMembership implements Membership, SideChannel {
    private static final Logger LOG = Logger.getLogger(GossipMembership.class.getName());
    /** Joins that a member answers at once; beyond that, first messages are dropped. */
    private static final int MAX_ANSWERING = 64;
    /** While the node has members, it looks for lost ones and unknown seeds every this many beats. */
    private static final int REJOIN_EVERY = 5;
    private static final long EXCHANGE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long a leaving node waits for its departure to go out: a handshake and the send, with room. */
    private static final long LEAVE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private record Pending(JoinExchange exchange, InetSocketAddress peer, long deadline) {}

    private final Device device;
    private final PrivateKey key;
    private final byte[] prologue;
    private final InetAddress address;
    private final Admission admission;
    private final GossipSettings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService loop;
    private final Seeds seeds;

    // Owned by the loop thread.
    private MemberTable table;
    private MembershipListener listener;
    private final Map<Integer, Pending> joining = new HashMap<>();
    private final Map<String, Pending> answering = new HashMap<>();
    private byte[] revocations;
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private long ticks;
    private int nextTarget;
    private volatile List<Member> view = List.of();

    private DatagramChannel socket;
    private Thread reader;
    private volatile boolean closed;

    /**
     * @param prologue binds joins to one cluster, e.g. its CA certificate's fingerprint
     * @param address this node's overlay address, already on the interface: gossip is sent from it
     */
    public GossipMembership(Device device, PrivateKey key, byte[] prologue, InetAddress address, Admission admission,
            GossipSettings settings, Clock clock) {
        this.device = device;
        this.key = key;
        this.prologue = prologue.clone();
        this.address = address;
        this.admission = admission;
        this.settings = settings;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(device.name() + "-members").daemon().factory());
        this.seeds = new Seeds(settings.seeds(), InetAddress::getAllByName);
    }

    @Override
    public void start(Member self, MembershipListener listener) throws IOException {
        socket = DatagramChannel.open().bind(new InetSocketAddress(address, settings.port()));
        call(() -> {
            this.listener = listener;
            this.table = new MemberTable(new Record(self, System.currentTimeMillis(), 0, false), settings.ttl(), settings.interval(),
                    admission, listener);
            this.revocations = admission.revocations();
            publishView();
            return null;
        });
        device.attach(this);
        seeds.start(device.name() + "-seeds");
        reader = Thread.ofPlatform().name(device.name() + "-gossip").daemon().start(this::readGossip);
        long interval = settings.interval().toNanos();
        loop.scheduleAtFixedRate(this::tick, 0, interval, TimeUnit.NANOSECONDS);
        // Checked more often than members beat, so that a silent member goes within the TTL plus a quarter beat.
        loop.scheduleAtFixedRate(this::expire, interval / 4, interval / 4, TimeUnit.NANOSECONDS);
    }

    @Override
    public void update(Member self) throws IOException {
        call(() -> {
            flood(List.of(table.update(self)), null);
            publishView();
            return null;
        });
    }

    @Override
    public void host(Member host) throws IOException {
        call(() -> {
            String refusal = admission.refusal(host);
            if (refusal != null) {
                throw new IOException(refusal);
            }
            if (!admission.isStaticHost(host)) {
                throw new IOException(host.name() + ": not a static host's certificate");
            }
            // Versioned by its certificate, so every node publishing the same host publishes the same record.
            Record record = new Record(host, admission.issuedMillis(host), 0, false);
            flood(table.merge(List.of(record), clock.nanoTime(), host.name()), null);
            publishView();
            return null;
        });
    }

    @Override
    public void revoke(byte[] revocationList) throws IOException {
        call(() -> {
            if (!adoptRevocations(revocationList)) {
                throw new IOException("not a newer revocation list signed by this cluster's CA");
            }
            return null;
        });
    }

    @Override
    public List<Member> members() {
        return view;
    }

    @Override
    public void leave() {
        try {
            Map<Peer, Long> sentBefore = new HashMap<>();
            int size = call(() -> {
                for (Member m : table.nodes()) {
                    Peer peer = device.peer(admission.publicKey(m));
                    if (peer != null) {
                        sentBefore.put(peer, peer.txBytes());
                    }
                }
                byte[] news = GossipMessage.of(GossipMessage.NEWS, List.of(table.leave()), revocations, null).encode();
                toMembers(news, null);
                return news.length;
            });
            awaitSent(sentBefore, size);
        } catch (IOException e) {
            LOG.warning("announcing the departure failed: " + e.getMessage());
        }
        close();
    }

    /**
     * Waits, for {@link #LEAVE_GRACE_NANOS} at most, until every member's peer has sent at least
     * {@code size} more bytes: the departure goes through the kernel and the TUN, and the device must
     * not close before it has sealed and sent it (after a handshake, if it needs one).
     */
    private void awaitSent(Map<Peer, Long> sentBefore, int size) {
        long deadline = System.nanoTime() + LEAVE_GRACE_NANOS;
        while (sentBefore.entrySet().stream().anyMatch(e -> e.getKey().txBytes() - e.getValue() < size)
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing the gossip socket", e);
            }
        }
        joining.values().forEach(p -> p.exchange().close());
        answering.values().forEach(p -> p.exchange().close());
    }

    // ---- the side channel: joins on the device's port ----

    @Override
    public byte type() {
        return JoinExchange.TYPE;
    }

    @Override
    public void receive(byte[] buf, int off, int len, InetSocketAddress from) {
        byte[] message = Arrays.copyOfRange(buf, off, off + len);
        if (!closed) {
            loop.execute(() -> onJoinMessage(message, from));
        }
    }

    private void onJoinMessage(byte[] message, InetSocketAddress from) {
        int step = JoinExchange.step(message);
        if (step < 1 || step > 4) {
            return;
        }
        int id = JoinExchange.id(message);
        try {
            switch (step) {
                case 1 -> answerJoin(message, from, id);
                case 2 -> continueJoin(message, from, id);
                case 3 -> admit(message, from, id);
                default -> welcomed(message, from, id);
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            // A failed MAC here is the usual sign of another cluster's node (the prologue differs).
            warnRepeated(from + "/" + step, "join with " + UapiValues.formatEndpoint(from) + " failed at step " + step
                    + ": " + describe(e));
            Pending p = step == 2 || step == 4 ? joining.remove(id) : answering.remove(from + "/" + id);
            if (p != null) {
                p.exchange().close();
            }
        }
    }

    /** Step 1, as a member: answers with this node's record. */
    private void answerJoin(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException {
        if (answering.size() >= MAX_ANSWERING) {
            return;
        }
        JoinExchange exchange = JoinExchange.member(key, prologue, id);
        exchange.read(message);
        byte[] reply = exchange.write(2, GossipMessage.of(GossipMessage.JOIN, List.of(table.self()), null, null).encode());
        answering.put(from + "/" + id, new Pending(exchange, from, clock.nanoTime() + EXCHANGE_TIMEOUT_NANOS));
        sendJoin(reply, from);
    }

    /** Step 2, as the joiner: checks the member's certificate, then sends this node's record. */
    private void continueJoin(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, IOException {
        Pending p = joining.get(id);
        if (p == null || !p.peer().equals(from)) {
            return;
        }
        Record member = proven(p.exchange(), GossipMessage.decode(p.exchange().read(message)), from);
        if (member == null) {
            joining.remove(id).exchange().close();
            return;
        }
        GossipMessage mine = GossipMessage.of(GossipMessage.JOIN, List.of(table.self()), null, from);
        sendJoin(p.exchange().write(3, mine.encode()), from);
    }

    /** Step 3, as a member: admits the joiner, tells the others, and welcomes it with everything known. */
    private void admit(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, IOException {
        Pending p = answering.remove(from + "/" + id);
        if (p == null) {
            return;
        }
        try (JoinExchange exchange = p.exchange()) {
            GossipMessage payload = GossipMessage.decode(exchange.read(message));
            Record joiner = proven(exchange, payload, from);
            if (joiner == null) {
                return;
            }
            learnOwnEndpoint(payload.seenAsAddress());
            flood(table.merge(List.of(joiner), clock.nanoTime(), joiner.name()), from);
            publishView();
            GossipMessage welcome = GossipMessage.of(GossipMessage.JOIN, table.records(), revocations, from);
            sendJoin(exchange.welcome(welcome.encode()), from);
        }
    }

    /** Step 4, as the joiner: takes in the cluster. */
    private void welcomed(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, IOException {
        Pending p = joining.get(id);
        if (p == null || !p.peer().equals(from)) {
            return;
        }
        joining.remove(id);
        try (JoinExchange exchange = p.exchange()) {
            GossipMessage welcome = GossipMessage.decode(exchange.openWelcome(message));
            learnOwnEndpoint(welcome.seenAsAddress());
            adoptRevocations(welcome.revocations());
            List<Record> records = new ArrayList<>();
            String member = null;
            for (Record r : welcome.fullRecords()) {
                boolean welcomer = admission.publicKey(r.member()).equals(exchange.remoteKey());
                member = welcomer ? r.name() : member;
                // The member's own record may lack the endpoint this node just reached it at.
                records.add(welcomer && r.member().endpoint() == null ? withEndpoint(r, from) : r);
            }
            List<Record> news = table.merge(records, clock.nanoTime(), member);
            LOG.info("joined the cluster through " + UapiValues.formatEndpoint(from) + ": " + table.present().size() + " members");
            flood(news, from);
            publishView();
        }
    }

    /**
     * The other side's record when its certificate is admitted and binds the key it proved, with
     * the endpoint its datagrams came from; null (and a log line) when not.
     */
    private Record proven(JoinExchange exchange, GossipMessage payload, InetSocketAddress from) throws IOException {
        List<Record> records = payload.fullRecords();
        if (records.size() != 1) {
            throw new IOException("a join carries exactly one record");
        }
        Record r = records.getFirst();
        if (r.name().equals(table.self().name())) {
            return null;
        }
        String refusal = admission.refusal(r.member());
        if (refusal == null && !admission.publicKey(r.member()).equals(exchange.remoteKey())) {
            refusal = r.name() + ": the certificate's key is not the key the node proved";
        }
        if (refusal != null) {
            warnRepeated(from + "/" + refusal, "refused " + UapiValues.formatEndpoint(from) + ": " + refusal);
            return null;
        }
        return withEndpoint(r, from);
    }

    private static Record withEndpoint(Record r, InetSocketAddress endpoint) {
        Member m = r.member();
        return new Record(new Member(m.name(), m.certificate(), endpoint), r.incarnation(), r.heartbeat(), r.left());
    }

    private void learnOwnEndpoint(InetSocketAddress seenAs) {
        Member self = table.self().member();
        if (seenAs != null && !seenAs.equals(self.endpoint())) {
            flood(List.of(table.update(new Member(self.name(), self.certificate(), seenAs))), null);
        }
    }

    private void warnRepeated(String key, String warning) {
        String suffix = warnings.pass(key, clock.nanoTime());
        if (suffix != null) {
            LOG.warning(warning + suffix);
        }
    }

    private void sendJoin(byte[] message, InetSocketAddress to) {
        try {
            device.sendOther(message, to);
        } catch (IOException e) {
            LOG.fine("join message to " + to + " not sent: " + e.getMessage());
        }
    }

    // ---- gossip inside the overlay ----

    private void readGossip() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (!closed) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) socket.receive(buf);
                byte[] copy = Arrays.copyOf(buf.array(), buf.position());
                loop.execute(() -> onGossip(copy, from.getAddress()));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                if (!closed) {
                    LOG.warning("reading gossip: " + e.getMessage());
                }
            }
        }
    }

    private void onGossip(byte[] bytes, InetAddress from) {
        String sender = memberAt(from);
        if (sender == null) {
            LOG.fine("gossip from " + from + ", not a member's address, dropped");
            return;
        }
        try {
            GossipMessage m = GossipMessage.decode(bytes, 0, bytes.length);
            long now = clock.nanoTime();
            if (m.kind().equals(GossipMessage.BEAT)) {
                for (GossipMessage.WireRecord r : m.records()) {
                    // A beat speaks for its sender alone: no member keeps another alive.
                    if (r.name().equals(sender)) {
                        table.heard(r.name(), r.incarnation(), r.heartbeat(), now);
                    }
                }
                return;
            }
            adoptRevocations(m.revocations());
            List<Record> news = table.merge(m.fullRecords(), now, sender);
            if (m.kind().equals(GossipMessage.SYNC)) {
                sendGossip(GossipMessage.of(GossipMessage.SYNC_REPLY, table.records(), revocations, null), from);
            }
            flood(news, null);
            publishView();
        } catch (IOException e) {
            LOG.fine("bad gossip from " + from + ": " + e.getMessage());
        }
    }

    /** The name of the present member at overlay address {@code from}, or null. */
    private String memberAt(InetAddress from) {
        for (Member m : table.present()) {
            if (admission.address(m).equals(from)) {
                return m.name();
            }
        }
        return null;
    }

    private void tick() {
        try {
            long now = clock.nanoTime();
            Record self = table.beat();
            List<Member> nodes = table.nodes();
            toMembers(GossipMessage.beat(self).encode(), null);
            if (!nodes.isEmpty()) {
                Member partner = nodes.get(random.nextInt(nodes.size()));
                sendGossip(GossipMessage.of(GossipMessage.SYNC, table.records(), revocations, null), admission.address(partner));
            }
            dropStaleExchanges(now);
            if (nodes.isEmpty() || ticks % REJOIN_EVERY == 0) {
                joinSomeone(nodes);
            }
            ticks++;
            publishView();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "membership tick failed: " + e);
        }
    }

    private void expire() {
        try {
            table.expire(clock.nanoTime());
            publishView();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "membership expiry failed: " + e);
        }
    }

    /**
     * Joins through the next seed or lost member that is not a present member: alone, to get in;
     * in a cluster, to find a partition's other side once it heals.
     */
    private void joinSomeone(List<Member> present) {
        LinkedHashSet<InetSocketAddress> targets = new LinkedHashSet<>(seeds.addresses());
        for (Member m : table.lost()) {
            if (m.endpoint() != null) {
                targets.add(m.endpoint());
            }
        }
        for (Member m : present) {
            targets.remove(m.endpoint());
        }
        targets.remove(table.self().member().endpoint());
        if (targets.isEmpty()) {
            return;
        }
        List<InetSocketAddress> list = new ArrayList<>(targets);
        InetSocketAddress target = list.get(Math.floorMod(nextTarget++, list.size()));
        int id = random.nextInt();
        JoinExchange exchange = JoinExchange.joiner(key, prologue, id);
        try {
            byte[] first = exchange.write(1, new byte[0]);
            joining.put(id, new Pending(exchange, target, clock.nanoTime() + EXCHANGE_TIMEOUT_NANOS));
            sendJoin(first, target);
        } catch (GeneralSecurityException e) {
            exchange.close();
            LOG.warning("starting a join failed: " + e.getMessage());
        }
    }

    private void dropStaleExchanges(long now) {
        joining.values().removeIf(p -> expired(p, now));
        answering.values().removeIf(p -> expired(p, now));
    }

    private static boolean expired(Pending p, long now) {
        if (now - p.deadline() > 0) {
            p.exchange().close();
            return true;
        }
        return false;
    }

    /** Tells every present member but {@code except} what changed. */
    private void flood(Collection<Record> news, InetSocketAddress except) {
        if (news.isEmpty()) {
            return;
        }
        toMembers(GossipMessage.of(GossipMessage.NEWS, news, revocations, null).encode(), except);
    }

    /** Sends {@code message} to every present node but the one at {@code except} (null: to all). */
    private void toMembers(byte[] message, InetSocketAddress except) {
        for (Member m : table.nodes()) {
            if (except == null || !except.equals(m.endpoint())) {
                sendGossip(message, admission.address(m));
            }
        }
    }

    private boolean adoptRevocations(byte[] list) {
        if (list == null || Arrays.equals(list, revocations) || !admission.adopt(list)) {
            return false;
        }
        revocations = list.clone();
        listener.revoked(revocations);
        table.expire(clock.nanoTime());
        toMembers(new GossipMessage(GossipMessage.NEWS, List.of(), revocations, null).encode(), null);
        publishView();
        return true;
    }

    private void sendGossip(GossipMessage message, InetAddress to) {
        sendGossip(message.encode(), to);
    }

    private void sendGossip(byte[] message, InetAddress to) {
        try {
            socket.send(ByteBuffer.wrap(message), new InetSocketAddress(to, settings.port()));
        } catch (IOException e) {
            LOG.fine("gossip to " + to + " not sent: " + e.getMessage());
        }
    }

    private void publishView() {
        List<Member> members = new ArrayList<>(table.present());
        members.addFirst(table.self().member());
        view = List.copyOf(members);
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
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
