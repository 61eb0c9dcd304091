package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;
import dev.overlayd.peers.HostPort;
import com.google.common.net.InetAddresses;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * One node's side of the embedded membership, sans threads: datagrams and ticks in, datagrams out
 * through a {@link GossipTransport}, time from the injected clock. {@link GossipMembership} runs it
 * on one thread; tests run several in one process.
 *
 * <p>What a node believes about a member comes from that member alone: every record is checked
 * ({@link SignedRecord}) before it is merged, first-hand or relayed; a beat is the sender's own
 * signed record under the certificate already held; a static host's record is its certificate,
 * endpoint included. A node publishes the endpoint it was configured with or finds itself, on its
 * route towards the member it first talks to, never one that another node claims for it.
 *
 * <p>Beside the members, the nodes' plugin records ({@link RecordGossip}) travel on the same port,
 * each node's set versioned in its signed record and gone with its member.
 */
final class GossipNode {
    private static final Logger LOG = Logger.getLogger(GossipNode.class.getName());
    /** Joins that a member answers at once, and of those at most this many per source address. */
    static final int MAX_ANSWERING = 64;
    static final int MAX_ANSWERING_PER_SOURCE = 2;
    /** While the node has members, it looks for lost ones and unknown seeds every this many beats. */
    static final int REJOIN_EVERY = 5;
    /** A present node not heard from for this many beats is joined: it may have restarted knowing nobody. */
    static final int SILENT_AFTER_BEATS = 2;
    static final long EXCHANGE_TIMEOUT_NANOS = 5_000_000_000L;
    /**
     * The nodes a cluster on the embedded backend holds at most: beyond, a join is refused (and said
     * once on each side) and the cluster's nodes are for etcd. Every node beats to every other each
     * interval, so a node's cost grows with the cluster: measured with bench/cluster.sh, 0.6 kB/s on
     * the underlay (both ways) and about 1.1 ms CPU/s per other node, so ~160 kB/s and a third of a
     * core per node at this many. Partitions that grew apart may still heal into a larger cluster.
     */
    static final int MAX_NODES = 256;
    /** Records sent at most in answer to one sync or fetch: a burst the receiver's queue takes beside its beats. */
    static final int MAX_PUSH = 64;

    /** A join in progress; the joiner keeps its first message to send it again with the member's cookie. */
    private record Pending(JoinExchange exchange, InetSocketAddress peer, long deadline, byte[] first) {}

    /** The last sync this node sent: the one fetch it answers, from that member and within that digest. */
    private record Outstanding(String partner, Digest digest, long deadline) {}

    private final PrivateKey key;
    private final SigningKey signingKey;
    private final byte[] prologue;
    private final Admission admission;
    private final Clock clock;
    private final GossipTransport transport;
    private final MembershipListener listener;
    private final GossipDrops drops;
    private final Supplier<List<InetSocketAddress>> seeds;
    private final Seeds.Lookup lookup;
    private final SecureRandom random = new SecureRandom();
    private final JoinCookies cookies;
    private final MemberTable table;
    private final RecordGossip records;
    private final Map<Integer, Pending> joining = new HashMap<>();
    private final Map<String, Pending> answering = new HashMap<>();
    private final RepeatedWarnings warnings = new RepeatedWarnings();
    private final RevocationParts revocationParts = new RevocationParts();
    /** When each member's sync was last answered: once per half interval each. */
    private final Map<String, Long> syncsAnswered = new HashMap<>();
    private final long intervalNanos;
    private Outstanding outstanding;
    /** Where the next sync's digest starts: after this name (null: from the first). */
    private String syncAfter;
    private boolean warnedFull;
    private byte[] revocations;
    private long ticks;
    private int nextTarget;
    /** The address on whose route this node found its endpoint; null when it was configured (advertise:) or not found yet. */
    private InetSocketAddress learnedTowards;
    private volatile List<Member> view = List.of();
    private volatile Set<InetAddress> senders = Set.of();

    /**
     * @param self this node's member: its endpoint is the configured one, or null to find it
     * @param prologue binds joins to one cluster, e.g. its CA certificate's fingerprint
     * @param seeds the members to join through, as last resolved
     * @param lookup resolves a static host's name, once, when its certificate is adopted
     * @param own this node's plugin records, with those published before the start
     */
    GossipNode(Member self, PrivateKey key, byte[] prologue, Admission admission, GossipSettings settings, Clock clock,
            GossipTransport transport, MembershipListener listener, GossipDrops drops,
            Supplier<List<InetSocketAddress>> seeds, Seeds.Lookup lookup, OwnRecordSet own) {
        this.key = key;
        this.signingKey = SigningKey.derive(key);
        this.prologue = prologue.clone();
        this.admission = admission;
        this.clock = clock;
        this.transport = transport;
        this.listener = listener;
        this.drops = drops;
        this.seeds = seeds;
        this.lookup = lookup;
        this.cookies = new JoinCookies(clock, random);
        this.intervalNanos = settings.interval().toNanos();
        this.table = new MemberTable(self, clock.epochNanos() / 1_000_000, signingKey, settings.ttl(), settings.interval(),
                admission, new MembershipListener() {
                    @Override
                    public void present(Member member) {
                        listener.present(member);
                    }

                    @Override
                    public void absent(Member member, String why) {
                        // Its records first, so that nothing of it outlives its membership.
                        records.forget(member.name(), clock.nanoTime());
                        listener.absent(member, why);
                    }

                    @Override
                    public void revoked(byte[] revocationList) {
                        listener.revoked(revocationList);
                    }
                }, own::version);
        this.records = new RecordGossip(self.name(), own, signingKey, table, admission, transport, listener, drops,
                settings.interval(), settings.ttl());
        this.revocations = admission.revocations();
        records.start();
        publishView();
    }

    /** The members this node knows, itself first; readable from any thread. */
    List<Member> view() {
        return view;
    }

    /** The overlay addresses of the present nodes: the only ones gossip is taken from. Readable from any thread. */
    Set<InetAddress> senders() {
        return senders;
    }

    void update(Member self) {
        flood(List.of(table.update(self)), null);
        publishView();
    }

    /** Publishes a static host when its certificate is admitted and a static host's; its endpoint is the certificate's. */
    void host(Member host) throws IOException {
        try {
            flood(table.merge(List.of(hostRecord(host.name(), host.certificate())), clock.nanoTime(), host.name()), null);
        } catch (Dropped e) {
            throw new IOException(e.getMessage());
        }
        publishView();
    }

    /** Publishes one of this node's plugin records (null withdraws) to every present node. */
    void publish(String key, byte[] value) throws IOException {
        records.publish(key, value);
    }

    /** The members whose announced records this node does not hold yet, with why. */
    Map<String, String> unsettled() {
        return records.unsettled(clock.nanoTime());
    }

    /** Adopts and spreads a revocation list the CA signed that is newer than the one held; returns whether it was. */
    boolean revoke(byte[] list) {
        return adoptRevocations(list, true);
    }

    /** The joins in progress, either side: the state a join keeps. */
    int exchanges() {
        return joining.size() + answering.size();
    }

    /** The WireGuard keys of the present nodes: the peers a departure goes to. */
    List<PublicKey> nodeKeys() {
        return table.nodes().stream().map(admission::publicKey).toList();
    }

    /** Announces this node's departure to every present node; returns the announcement's size. */
    int leave() {
        byte[] news = GossipMessage.of(GossipMessage.NEWS, List.of(table.leave())).encode();
        toMembers(news, null);
        return news.length;
    }

    /** Wipes the keys of the joins in progress and the signing key. */
    void close() {
        joining.values().forEach(p -> p.exchange().close());
        answering.values().forEach(p -> p.exchange().close());
        signingKey.close();
    }

    // ---- joins on the device's port ----

    void join(byte[] message, InetSocketAddress from) {
        int step = JoinExchange.step(message);
        if (step < 1 || step > JoinExchange.REVOKED) {
            drops.count(GossipDrops.Reason.MALFORMED);
            return;
        }
        if (JoinExchange.version(message) != GossipMessage.VERSION) {
            drops.count(GossipDrops.Reason.UNKNOWN_VERSION);
            warnRepeated(from.getAddress() + "/version", "join from " + UapiValues.formatEndpoint(from) + " in format version "
                    + Math.max(1, JoinExchange.version(message)) + ", this node speaks " + GossipMessage.VERSION
                    + ": every node of a cluster runs the same format");
            return;
        }
        int id = JoinExchange.id(message);
        try {
            switch (step) {
                case 1 -> answerJoin(message, from, id);
                case 2 -> continueJoin(message, from, id);
                case 3 -> admit(message, from, id);
                case 4 -> welcomed(message, from, id);
                case JoinExchange.COOKIE -> cookieReceived(message, from, id);
                default -> toldRevoked(message, from, id);
            }
        } catch (GeneralSecurityException | Dropped | RuntimeException e) {
            drops.count(e instanceof Dropped d ? d.reason() : GossipDrops.Reason.MALFORMED);
            // A failed MAC here is the usual sign of another cluster's node (the prologue differs).
            warnRepeated(from + "/" + step, "join with " + UapiValues.formatEndpoint(from) + " failed at step " + step
                    + ": " + describe(e));
            abandon(step, id, from);
        }
    }

    /** Step 1, as a member: first a cookie, then, with it, an exchange and this node's record. */
    private void answerJoin(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, Dropped {
        byte[] cookie = JoinExchange.cookie(message);
        if (cookie == null) {
            // Counted, not logged: until the cookie checks out, the source may be anyone's forgery.
            drops.count(GossipDrops.Reason.MALFORMED);
            return;
        }
        if (!cookies.valid(cookie, from, id)) {
            drops.count(GossipDrops.Reason.NO_COOKIE);
            sendJoin(JoinExchange.cookieReply(id, cookies.cookie(from, id)), from);
            return;
        }
        String key = answeringKey(from, id);
        if (answering.containsKey(key) || answering.size() >= MAX_ANSWERING
                || answering.values().stream().filter(p -> p.peer().getAddress().equals(from.getAddress())).count()
                        >= MAX_ANSWERING_PER_SOURCE) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        learnOwnEndpoint(from);
        JoinExchange exchange = JoinExchange.member(this.key, prologue, id);
        byte[] reply;
        try {
            exchange.read(message);
            reply = exchange.write(2, GossipMessage.of(GossipMessage.JOIN, List.of(table.self())).encode());
        } catch (GeneralSecurityException | RuntimeException e) {
            exchange.close();
            throw e;
        }
        answering.put(key, new Pending(exchange, from, clock.nanoTime() + EXCHANGE_TIMEOUT_NANOS, null));
        sendJoin(reply, from);
    }

    /** The member's cookie, as the joiner: sends the first message again, once, with it. */
    private void cookieReceived(byte[] message, InetSocketAddress from, int id) throws Dropped {
        Pending p = joining.get(id);
        if (p == null || !p.peer().equals(from) || p.first() == null) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        byte[] cookie = JoinExchange.cookie(message);
        if (cookie == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a cookie message without its cookie");
        }
        joining.put(id, new Pending(p.exchange(), p.peer(), p.deadline(), null));
        sendJoin(JoinExchange.withCookie(p.first(), cookie), from);
    }

    /** Step 2, as the joiner: checks the member's record, then sends this node's. */
    private void continueJoin(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, Dropped {
        Pending p = joining.get(id);
        if (p == null || !p.peer().equals(from)) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        GossipMessage payload = GossipMessage.decode(p.exchange().read(message));
        if (revoked(payload, from, id) || proven(p.exchange(), payload) == null) {
            joining.remove(id).exchange().close();
            return;
        }
        sendJoin(p.exchange().write(3, GossipMessage.of(GossipMessage.JOIN, List.of(table.self())).encode()), from);
    }

    /**
     * Step 3, as a member: admits the joiner, tells the others, and welcomes it with this node's
     * record, which fits one datagram on the underlay; the joiner then syncs, inside the overlay.
     */
    private void admit(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, Dropped {
        Pending p = answering.remove(answeringKey(from, id));
        if (p == null) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        try (JoinExchange exchange = p.exchange()) {
            GossipMessage payload = GossipMessage.decode(exchange.read(message));
            if (revoked(payload, from, id)) {
                return;
            }
            Record joiner = proven(exchange, payload);
            if (joiner == null) {
                return;
            }
            if (table.alive(joiner.name()) == null && table.nodes().size() + 1 >= MAX_NODES) {
                // Said once here; the joiner gets a welcome without records, and says why on its side.
                drops.count(GossipDrops.Reason.REFUSED);
                warnFull("refusing " + joiner.name() + "'s join, and any other while");
                sendJoin(exchange.welcome(GossipMessage.of(GossipMessage.JOIN, List.of()).encode()), from);
                return;
            }
            // Not pulled from yet: the joiner knows this node only once the welcome is in, and beats then.
            flood(merge(List.of(joiner), clock.nanoTime(), joiner.name(), false), from);
            publishView();
            sendJoin(exchange.welcome(GossipMessage.of(GossipMessage.JOIN, List.of(table.self())).encode()), from);
        }
    }

    /**
     * Whether the other side's certificate is revoked; if it is, it is sent the revocation list,
     * which shows it so under the CA's signature, rather than being refused without a word and
     * joining (or being joined) again and again. Only from step 2 on: by then the other side has
     * answered a message sent to its address, so the parts go to no forged source.
     */
    private boolean revoked(GossipMessage payload, InetSocketAddress from, int id) throws Dropped {
        List<GossipMessage.WireRecord> records = payload.signedRecords();
        if (records.size() != 1 || records.getFirst().certificate() == null || revocations == null) {
            return false;
        }
        Member joiner = new Member(records.getFirst().signed().parse().name(), records.getFirst().certificate(), null);
        if (!admission.isRevoked(joiner)) {
            return false;
        }
        drops.count(GossipDrops.Reason.REFUSED);
        warnRepeated(from + "/revoked", "join with " + UapiValues.formatEndpoint(from) + " refused: "
                + admission.refusal(joiner) + "; sent it the revocation list");
        for (byte[] part : revocationMessages()) {
            sendJoin(JoinExchange.revokedNotice(id, part), from);
        }
        return true;
    }

    /**
     * A part of the revocation list from the other side of a join in progress, which found this
     * node's certificate revoked: adopted once whole and signed by the CA, as from any member; the
     * node hears of its own revocation as the listener does of every list.
     */
    private void toldRevoked(byte[] message, InetSocketAddress from, int id) throws Dropped {
        Pending joined = joining.get(id);
        Pending p = joined != null && joined.peer().equals(from) ? joined : answering.get(answeringKey(from, id));
        if (p == null) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        GossipMessage m = GossipMessage.decode(JoinExchange.notice(message));
        if (!GossipMessage.REVOCATIONS.equals(m.kind())) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a revocation notice without a part of the revocation list");
        }
        byte[] list = revocationParts.take(UapiValues.formatEndpoint(from), m.part() == null ? -1 : m.part(),
                m.parts() == null ? 0 : m.parts(), m.revocations());
        if (list != null) {
            if (p == joined) {
                joining.remove(id);
            } else {
                answering.remove(answeringKey(from, id));
            }
            p.exchange().close();
            adoptRevocations(list, false);
        }
    }

    /** Step 4, as the joiner: takes in the member, and syncs with it at once for the rest of the cluster. */
    private void welcomed(byte[] message, InetSocketAddress from, int id) throws GeneralSecurityException, Dropped {
        Pending p = joining.get(id);
        if (p == null || !p.peer().equals(from)) {
            drops.count(GossipDrops.Reason.UNEXPECTED_JOIN);
            return;
        }
        joining.remove(id);
        try (JoinExchange exchange = p.exchange()) {
            GossipMessage welcome = GossipMessage.decode(exchange.openWelcome(message));
            if (welcome.signedRecords().isEmpty()) {
                warnFull(UapiValues.formatEndpoint(from) + " refused this node's join:");
                return;
            }
            String member = null;
            List<Record> records = new ArrayList<>();
            for (GossipMessage.WireRecord w : welcome.signedRecords()) {
                Record r = checked(w, null);
                if (r != null) {
                    member = admission.publicKey(r.member()).equals(exchange.remoteKey()) ? r.name() : member;
                    records.add(r);
                }
            }
            merge(records, clock.nanoTime(), member, true);
            LOG.info("joined the cluster through " + UapiValues.formatEndpoint(from) + ": " + table.present().size() + " members");
            publishView();
            Member through = member == null ? null : table.alive(member) == null ? null : table.alive(member).member();
            if (through != null) {
                sync(through);
            }
        }
    }

    /**
     * The other side's record, shown to be its own and under a certificate that binds the key it
     * proved in the exchange; null when it is this node's own (a seed that is this node).
     */
    private Record proven(JoinExchange exchange, GossipMessage payload) throws Dropped {
        List<GossipMessage.WireRecord> records = payload.signedRecords();
        if (records.size() != 1 || records.getFirst().certificate() == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a join carries exactly one record, with its certificate");
        }
        GossipMessage.WireRecord w = records.getFirst();
        SignedRecord.Body body = w.signed().parse();
        if (body.name().equals(table.self().name())) {
            return null;
        }
        Record r = w.signed().open(body, w.certificate(), admission);
        if (!admission.publicKey(r.member()).equals(exchange.remoteKey())) {
            throw new Dropped(GossipDrops.Reason.REFUSED, r.name() + ": the certificate's key is not the key the node proved");
        }
        return r;
    }

    private void abandon(int step, int id, InetSocketAddress from) {
        Pending p;
        if (step == 2 || step == 4 || step == JoinExchange.COOKIE) {
            p = joining.get(id);
            if (p == null || !p.peer().equals(from)) {
                return;
            }
            joining.remove(id);
        } else {
            p = answering.remove(answeringKey(from, id));
        }
        if (p != null) {
            p.exchange().close();
        }
    }

    private static String answeringKey(InetSocketAddress from, int id) {
        return UapiValues.formatEndpoint(from) + "/" + id;
    }

    /**
     * Finds this node's own endpoint, when it was not configured, as its local address on the route
     * towards the first node it exchanges a join with: what it observes itself.
     */
    private void learnOwnEndpoint(InetSocketAddress towards) {
        Member self = table.self().member();
        if (self.endpoint() != null) {
            return;
        }
        try {
            InetSocketAddress mine = transport.endpointTowards(towards);
            LOG.info("publishing this node's endpoint as " + UapiValues.formatEndpoint(mine)
                    + ", its address on the route towards " + UapiValues.formatEndpoint(towards) + " (advertise: overrides it)");
            learnedTowards = towards;
            flood(List.of(table.update(new Member(self.name(), self.certificate(), mine))), null);
        } catch (IOException e) {
            LOG.warning("no route towards " + UapiValues.formatEndpoint(towards) + " to find this node's endpoint: " + e.getMessage());
        }
    }

    /**
     * Publishes the endpoint anew when the address it was found as is no longer this node's on that
     * route (its underlay address changed): the others' tunnels follow the node's packets by
     * themselves, but their records, and a node that joins later, would keep the old one. Asked on
     * the same route each time, so that a node with several addresses does not flap between them;
     * while that route is gone (mid-change) the next beat asks again.
     */
    private void recheckOwnEndpoint() {
        if (learnedTowards == null) {
            return;
        }
        Member self = table.self().member();
        InetSocketAddress mine;
        try {
            mine = transport.endpointTowards(learnedTowards);
        } catch (IOException e) {
            return;
        }
        if (!mine.getAddress().isAnyLocalAddress() && !mine.equals(self.endpoint())) {
            LOG.info("this node's endpoint changed from " + UapiValues.formatEndpoint(self.endpoint()) + " to "
                    + UapiValues.formatEndpoint(mine) + " (its address on the route towards "
                    + UapiValues.formatEndpoint(learnedTowards) + "): publishing it");
            flood(List.of(table.update(new Member(self.name(), self.certificate(), mine))), null);
        }
    }

    private void sendJoin(byte[] message, InetSocketAddress to) {
        transport.sendJoin(message, to);
    }

    // ---- gossip inside the overlay ----

    void gossip(byte[] bytes, InetAddress from) {
        String sender = memberAt(from);
        if (sender == null) {
            drops.count(GossipDrops.Reason.NOT_A_MEMBER);
            return;
        }
        if (RecordSetMessage.is(bytes)) {
            records.receive(bytes, sender, from, clock.nanoTime());
            return;
        }
        GossipMessage m;
        try {
            m = GossipMessage.decode(bytes);
        } catch (Dropped e) {
            drops.count(e.reason());
            LOG.fine("gossip from " + InetAddresses.toAddrString(from) + " dropped: " + e.getMessage());
            return;
        }
        long now = clock.nanoTime();
        switch (m.kind()) {
            case GossipMessage.BEAT, GossipMessage.SYNC -> {
                // A sync carries its sender's record as a beat does.
                List<Record> taken = checkedAll(m, sender);
                // Not news for the others, who hear the sender's beats themselves; news here when it brings the sender back.
                if (!merge(taken, now, sender, true).isEmpty()) {
                    publishView();
                }
                // Only a sync its sender vouched for is answered: a forged one, from a local process on the
                // sender's node, would otherwise have records sent there for every datagram it sends.
                if (m.kind().equals(GossipMessage.SYNC) && m.digest() != null && vouched(m, sender, taken)) {
                    answerSync(m.digest(), sender, from, now);
                }
            }
            case GossipMessage.FETCH -> answerFetch(m.wanted(), sender, from, now);
            case GossipMessage.REVOCATIONS -> {
                try {
                    byte[] list = revocationParts.take(sender, m.part() == null ? -1 : m.part(),
                            m.parts() == null ? 0 : m.parts(), m.revocations());
                    if (list != null) {
                        adoptRevocations(list, false);
                    }
                } catch (Dropped e) {
                    drops.count(e.reason());
                }
            }
            case GossipMessage.NEWS -> {
                // Not passed on: whoever had news sent it to every node, and syncs bring what one missed.
                merge(checkedAll(m, null), now, sender, true);
                adoptHosts(m.staticHosts(), now);
                publishView();
            }
            default -> drops.count(GossipDrops.Reason.MALFORMED);
        }
    }

    /** The records of {@code m} that would change something here, checked; a beat's and a sync's ({@code beatOf} their sender) under the certificates held. */
    private List<Record> checkedAll(GossipMessage m, String beatOf) {
        List<Record> taken = new ArrayList<>();
        for (GossipMessage.WireRecord w : m.signedRecords()) {
            Record r = checked(w, beatOf);
            if (r != null) {
                taken.add(r);
            }
        }
        return taken;
    }

    /** Sends {@code partner} a digest of the next range of this node's table, and notes it as the one fetch to answer. */
    private void sync(Member partner) {
        Digest empty = new Digest(syncAfter, syncAfter, List.of(), Digest.tag(revocations));
        int room = GossipMessage.MAX_DATAGRAM - GossipMessage.sync(table.self(), empty).encode().length;
        Digest digest = Digest.window(table.byName(), syncAfter, room, revocations);
        syncAfter = digest.upTo();
        outstanding = new Outstanding(partner.name(), digest, clock.nanoTime() + intervalNanos);
        transport.sendGossip(GossipMessage.sync(table.self(), digest).encode(), admission.address(partner));
    }

    /**
     * Answers {@code sender}'s digest, at most once per half interval: the records of its range
     * that it lacks or holds older, and a fetch of those it holds newer or this node lacks; the
     * revocation list when the sender's differs.
     */
    private void answerSync(Digest digest, String sender, InetAddress from, long now) {
        Long last = syncsAnswered.get(sender);
        if (last != null && now - last < intervalNanos / 2) {
            drops.count(GossipDrops.Reason.RATE_LIMITED);
            return;
        }
        syncsAnswered.put(sender, now);
        Map<String, Digest.Entry> listed = new HashMap<>();
        List<String> want = new ArrayList<>();
        for (Digest.Entry e : digest.listed()) {
            if (e.name() == null || e.tag() == null || !digest.covers(e.name()) || listed.size() >= MAX_PUSH) {
                continue;
            }
            listed.put(e.name(), e);
            Record alive = table.alive(e.name());
            if (table.isNews(e.name(), e.incarnation(), e.heartbeat(), e.left()) && (alive == null || e.differs(alive))) {
                want.add(e.name());
            }
        }
        if (revocations != null && !Arrays.equals(Digest.tag(revocations), digest.revocations())) {
            sendRevocations(from);
        }
        List<Record> push = new ArrayList<>();
        for (Record r : table.records()) {
            Digest.Entry e = listed.get(r.name());
            if (push.size() < MAX_PUSH && digest.covers(r.name()) && (e == null || e.olderThan(r))) {
                push.add(r);
            }
        }
        for (byte[] part : GossipMessage.parts(GossipMessage.NEWS, push)) {
            transport.sendGossip(part, from);
        }
        if (!want.isEmpty()) {
            transport.sendGossip(GossipMessage.fetch(want).encode(), from);
        }
    }

    /** Sends the records {@code sender} asked for: only in answer to this node's last sync to it, and of that sync's digest. */
    private void answerFetch(List<String> want, String sender, InetAddress from, long now) {
        Outstanding o = outstanding;
        if (o == null || !o.partner().equals(sender) || now - o.deadline() > 0) {
            drops.count(GossipDrops.Reason.UNEXPECTED_FETCH);
            return;
        }
        outstanding = null;
        Set<String> digested = new HashSet<>();
        o.digest().listed().forEach(e -> digested.add(e.name()));
        List<Record> records = new ArrayList<>();
        for (String name : new LinkedHashSet<>(want)) {
            Record r = name.equals(table.self().name()) ? table.self() : table.held(name);
            if (r != null && digested.contains(name) && records.size() < MAX_PUSH) {
                records.add(r);
            }
        }
        for (byte[] part : GossipMessage.parts(GossipMessage.NEWS, records)) {
            transport.sendGossip(part, from);
        }
    }

    /** Sends the revocation list held, in parts, to one member. */
    private void sendRevocations(InetAddress to) {
        for (byte[] part : revocationMessages()) {
            transport.sendGossip(part, to);
        }
    }

    private List<byte[]> revocationMessages() {
        List<byte[]> parts = GossipMessage.revocationParts(revocations);
        if (parts == null) {
            warnRepeated("revocations", "the revocation list (" + revocations.length + " bytes) is longer than gossip carries ("
                    + GossipMessage.MAX_REVOCATION_PARTS + " parts): it is not passed on; hand it to each node with overlayctl revoke");
            return List.of();
        }
        return parts;
    }

    /**
     * Merges checked node records into the table ({@link MemberTable#merge}); of those taken in, the
     * versions of plugin records they announce are noted, and the sender's own may have its set
     * pulled ({@code mayPull}: when it knows this node).
     */
    private List<Record> merge(List<Record> checked, long now, String sender, boolean mayPull) {
        List<Record> news = table.merge(checked, now, sender);
        for (Record r : checked) {
            if (r.signed() != null && table.alive(r.name()) == r) {
                try {
                    Long version = r.signed().parse().records();
                    if (version != null) {
                        records.announced(r.member(), version, mayPull && r.name().equals(sender), now);
                    }
                } catch (Dropped e) {
                    throw new IllegalStateException("a record checked already did not parse", e);
                }
            }
        }
        return news;
    }

    /**
     * The record {@code w} stands for when it would change something here and is its member's own;
     * null otherwise, counted when it is forged or refused. A beat ({@code beatOf} its sender) speaks
     * for its sender alone and comes without the certificate: the one held is used.
     */
    private Record checked(GossipMessage.WireRecord w, String beatOf) {
        try {
            SignedRecord signed = w.signed();
            SignedRecord.Body body = signed.parse();
            if (!table.isNews(body.name(), body.incarnation(), body.heartbeat(), body.left())) {
                return null;
            }
            byte[] certificate = w.certificate();
            if (beatOf != null) {
                Record held = table.held(body.name());
                if (!body.name().equals(beatOf) || held == null) {
                    throw new Dropped(GossipDrops.Reason.MALFORMED, "a beat that is not its sender's");
                }
                certificate = held.member().certificate();
                if (!Arrays.equals(body.certificate(), SignedRecord.sha256(certificate))) {
                    // Under a certificate not yet known here: its full record is on its way.
                    return null;
                }
            } else if (certificate == null) {
                throw new Dropped(GossipDrops.Reason.MALFORMED, "a record without its certificate");
            }
            return signed.open(body, certificate, admission);
        } catch (Dropped e) {
            drops.count(e.reason());
            LOG.fine("record dropped: " + e.getMessage());
            return null;
        }
    }

    /**
     * Whether {@code m} carries its sender's own record, checked just now ({@code checked}) or the
     * very copy held already, which was checked when it came.
     */
    private boolean vouched(GossipMessage m, String sender, List<Record> checked) {
        if (checked.stream().anyMatch(r -> r.name().equals(sender))) {
            return true;
        }
        Record held = table.held(sender);
        return held != null && held.signed() != null
                && m.signedRecords().stream().anyMatch(w -> held.signed().sameAs(w.signed()));
    }

    /** Static hosts' certificates as records, each checked and its endpoint taken from it; those new here merged. */
    private List<Record> adoptHosts(List<GossipMessage.WireHost> hosts, long now) {
        List<Record> records = new ArrayList<>();
        for (GossipMessage.WireHost h : hosts) {
            Record held = h.name() == null || h.certificate() == null ? null : table.held(h.name());
            if (held != null && Arrays.equals(held.member().certificate(), h.certificate())) {
                continue;
            }
            try {
                records.add(hostRecord(h.name(), h.certificate()));
            } catch (Dropped e) {
                drops.count(e.reason());
                LOG.fine("static host dropped: " + e.getMessage());
            }
        }
        return table.merge(records, now, null);
    }

    /**
     * A static host's record: its certificate, admitted and a static host's, with the endpoint the
     * certificate names (a host name looked up now, once) and the certificate's issue time as version.
     */
    private Record hostRecord(String name, byte[] certificate) throws Dropped {
        if (name == null || certificate == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a static host without name or certificate");
        }
        Member unresolved = new Member(name, certificate, null);
        String refusal = admission.refusal(unresolved);
        if (refusal != null) {
            throw new Dropped(GossipDrops.Reason.REFUSED, refusal);
        }
        if (!admission.isStaticHost(unresolved)) {
            throw new Dropped(GossipDrops.Reason.REFUSED, name + ": not a static host's certificate");
        }
        String at = admission.staticEndpoint(unresolved).orElseThrow(
                () -> new Dropped(GossipDrops.Reason.MALFORMED, name + ": a static host's certificate without its endpoint"));
        return new Record(new Member(name, certificate, resolve(name, at)), admission.issuedMillis(unresolved), 0, false, null);
    }

    /** A static host's "host:port" as an address, or null (and a warning) when the name does not resolve. */
    private InetSocketAddress resolve(String name, String at) throws Dropped {
        HostPort endpoint;
        try {
            endpoint = HostPort.parse(at);
        } catch (IllegalArgumentException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, name + ": the certificate's endpoint " + at + " is not host:port");
        }
        try {
            InetAddress address = endpoint.isAddress() ? InetAddresses.forString(endpoint.host())
                    : lookup.addresses(endpoint.host())[0];
            return new InetSocketAddress(address, endpoint.port());
        } catch (UnknownHostException | ArrayIndexOutOfBoundsException e) {
            LOG.warning("static host " + name + ": " + at + " does not resolve; it is a peer without an endpoint until it sends");
            return null;
        }
    }

    /** The name of the present node at overlay address {@code from}, or null. */
    private String memberAt(InetAddress from) {
        for (Member m : table.nodes()) {
            if (admission.address(m).equals(from)) {
                return m.name();
            }
        }
        return null;
    }

    void tick() {
        long now = clock.nanoTime();
        recheckOwnEndpoint();
        Record self = table.beat();
        List<Member> nodes = table.nodes();
        toMembers(GossipMessage.beat(self).encode(), null);
        if (!nodes.isEmpty()) {
            sync(nodes.get(random.nextInt(nodes.size())));
        }
        syncsAnswered.values().removeIf(at -> now - at > intervalNanos);
        dropStaleExchanges(now);
        records.tick(now);
        List<Member> silent = table.silent(now, SILENT_AFTER_BEATS * intervalNanos);
        if (nodes.isEmpty() || !silent.isEmpty() || ticks % REJOIN_EVERY == 0) {
            joinSomeone(nodes, silent);
        }
        ticks++;
        publishView();
    }

    void expire() {
        table.expire(clock.nanoTime());
        publishView();
    }

    /**
     * Joins through the next seed, lost member or silent one that is not a present member heard
     * from: alone, to get in; in a cluster, to find a partition's other side once it heals, and a
     * member that restarted knowing nobody (its beats stopped, and it drops the others' as a
     * stranger's) before its TTL runs out. A join to a member that is only slow is harmless: it
     * changes nothing.
     */
    private void joinSomeone(List<Member> present, List<Member> silent) {
        LinkedHashSet<InetSocketAddress> targets = new LinkedHashSet<>(seeds.get());
        for (Member m : table.lost()) {
            if (m.endpoint() != null) {
                targets.add(m.endpoint());
            }
        }
        for (Member m : present) {
            if (!silent.contains(m)) {
                targets.remove(m.endpoint());
            }
        }
        for (Member m : silent) {
            if (m.endpoint() != null) {
                targets.add(m.endpoint());
            }
        }
        targets.remove(table.self().member().endpoint());
        if (targets.isEmpty()) {
            return;
        }
        List<InetSocketAddress> list = new ArrayList<>(targets);
        InetSocketAddress target = list.get(Math.floorMod(nextTarget++, list.size()));
        learnOwnEndpoint(target);
        if (target.equals(table.self().member().endpoint())) {
            return;
        }
        int id = random.nextInt();
        JoinExchange exchange = JoinExchange.joiner(key, prologue, id);
        try {
            byte[] first = exchange.write(1, new byte[0]);
            joining.put(id, new Pending(exchange, target, clock.nanoTime() + EXCHANGE_TIMEOUT_NANOS, first));
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

    /** Tells every present node but the one at {@code except} what changed. */
    private void flood(Collection<Record> news, InetSocketAddress except) {
        if (news.isEmpty()) {
            return;
        }
        for (byte[] part : GossipMessage.parts(GossipMessage.NEWS, news)) {
            toMembers(part, except);
        }
    }

    /** Sends {@code message} to every present node but the one at {@code except} (null: to all). */
    private void toMembers(byte[] message, InetSocketAddress except) {
        for (Member m : table.nodes()) {
            if (except == null || !except.equals(m.endpoint())) {
                transport.sendGossip(message, admission.address(m));
            }
        }
    }

    /**
     * Adopts a revocation list newer than the one held; {@code spread}: sends it to every node (one
     * handed to this node), else only the syncs pass it on (one a node sent, to every node).
     */
    private boolean adoptRevocations(byte[] list, boolean spread) {
        if (list == null || Arrays.equals(list, revocations) || !admission.adopt(list)) {
            return false;
        }
        revocations = list.clone();
        listener.revoked(revocations);
        table.expire(clock.nanoTime());
        if (spread) {
            for (byte[] part : revocationMessages()) {
                toMembers(part, null);
            }
        }
        publishView();
        return true;
    }

    /** Says once, on either side of a refused join, that the cluster is at the embedded backend's limit. */
    private void warnFull(String what) {
        if (!warnedFull) {
            warnedFull = true;
            LOG.warning(what + " the cluster has " + MAX_NODES + " nodes, the embedded backend's limit (every node beats to"
                    + " every other each interval): a larger cluster needs membership backend etcd (README, Cluster mode)");
        }
    }

    private void warnRepeated(String key, String warning) {
        String suffix = warnings.pass(key, clock.nanoTime());
        if (suffix != null) {
            LOG.warning(warning + suffix);
        }
    }

    private void publishView() {
        List<Member> members = new ArrayList<>(table.present());
        members.addFirst(table.self().member());
        view = List.copyOf(members);
        Set<InetAddress> addresses = new HashSet<>();
        for (Member m : table.nodes()) {
            addresses.add(admission.address(m));
        }
        senders = Set.copyOf(addresses);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
