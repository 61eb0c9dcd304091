package dev.overlayd.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.CookieChecker;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Handshake;
import dev.overlayd.noise.IndexTable;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.RateLimiter;
import dev.overlayd.noise.Result;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.noise.TransportCipher;
import dev.overlayd.noise.UnderLoad;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeMessage;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.noise.message.TransportHeader;
import dev.overlayd.tun.PacketBatch;
import dev.overlayd.tun.TunDevice;

/**
 * The WireGuard device: peers, cryptokey routing, and the send, receive and handshake paths that
 * connect the TUN to the UDP bind. Threads: one reads the TUN, the bind's thread receives and
 * decrypts, one worker runs handshakes (its queue length is the "under load" signal), one runs
 * the peers' timers and the rate limiter's sweep. Per peer, sending is serialized so counters
 * follow packet order.
 */
public final class Device implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Device.class.getName());
    /**
     * The longest packet the device can send: what one UDP datagram over IPv4 carries (65,535 less
     * 20 bytes of IP and 8 of UDP header) less WireGuard's header and tag, rounded down to a
     * multiple of 16 as the kernel's WireGuard rounds its maximum: 65,472. A peer whose own MTU is
     * larger pads our full-sized packets to a multiple of 16 too, and its datagrams must still fit.
     * Over IPv6 20 bytes more would fit, but a peer's endpoint may be either. The kernel lets a
     * TUN's MTU go to 65,535, so the interface's MTU must be brought down to this; wireguard-go
     * caps only its padding, at 65,535 - 32, which no IPv4 datagram can carry.
     */
    public static final int MAX_MTU = (65_535 - 20 - 8 - Keypair.OVERHEAD) & -Protocol.PADDING_MULTIPLE;
    /** Handshake messages waiting for the worker before new ones are dropped. */
    private static final int MAX_QUEUED_HANDSHAKES = 1024;
    private static final int HEADROOM = TransportHeader.LENGTH;
    private static final int TAILROOM = Protocol.PADDING_MULTIPLE - 1 + TransportCipher.TAG_LENGTH;
    /** Packets per TUN read: the segments of a 64 KiB TCP super-packet at the default MTU. */
    private static final int TUN_BATCH = 64;
    /**
     * Decrypted packets held for one TUN write, so that a burst's TCP segments reach the kernel as
     * one coalesced super-packet. Only the bind's receive thread touches it.
     */
    private final PacketBatch received = new PacketBatch(TUN_BATCH, 0, Protocol.MAX_DATAGRAM, 0);
    private final Bind.Receiver receiver = new Bind.Receiver() {
        @Override
        public void receive(byte[] buf, int off, int len, Endpoint from) {
            Device.this.receive(buf, off, len, from);
        }

        @Override
        public void endOfBatch() {
            writeReceived();
        }
    };

    private final TunDevice tun;
    private final Bind bind;
    private final Clock clock;
    private final Timing timing;
    private final SecureRandom random = new SecureRandom();

    private final ConcurrentHashMap<PublicKey, Peer> peers = new ConcurrentHashMap<>();
    private final AllowedIps<Peer> allowedIps = new AllowedIps<>();
    private final IndexTable<Peer> indices = new IndexTable<>(random);
    private final UnderLoad load;
    private final RateLimiter rateLimiter;
    private final DropCounters drops = new DropCounters();
    private final ThreadLocal<TransportCipher> ciphers = ThreadLocal.withInitial(TransportCipher::create);

    private final ScheduledExecutorService timers;
    private final ExecutorService handshakes;
    private final AtomicInteger queuedHandshakes = new AtomicInteger();
    private final PeerTimers.Factory timerFactory;

    private volatile StaticIdentity identity;
    private volatile CookieChecker checker;
    private volatile int mtu = Protocol.DEFAULT_MTU;
    private int listenPort;
    private volatile int boundPort;
    private volatile boolean up;
    private Thread tunReader;
    private volatile Runnable onTunGone = () -> {};
    /** By message type: WireGuard's four are never here, any other may have a channel of its own. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<SideChannel> sideChannels =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(256);

    public Device(TunDevice tun, Bind bind, Clock clock, Timing timing) {
        this.tun = tun;
        this.bind = bind;
        this.clock = clock;
        this.timing = timing;
        this.load = new UnderLoad(clock);
        this.rateLimiter = new RateLimiter(clock, random);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(tun.name() + "-timers").daemon().factory());
        scheduler.setRemoveOnCancelPolicy(true);
        this.timers = scheduler;
        timers.scheduleAtFixedRate(rateLimiter::collectGarbage, RateLimiter.GARBAGE_COLLECT_TIME,
                RateLimiter.GARBAGE_COLLECT_TIME, TimeUnit.NANOSECONDS);
        this.handshakes = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name(tun.name() + "-handshakes").daemon().factory());
        this.timerFactory = peer -> new PeerTimers(peer, this, timers, timing, clock);
    }

    public String name() {
        return tun.name();
    }

    /** Called once when the TUN reports that its interface is gone (the daemon exits then). */
    public void onTunGone(Runnable action) {
        onTunGone = action;
    }

    // ---- configuration (UAPI, config files) ----

    public synchronized void setPrivateKey(PrivateKey key) {
        StaticIdentity next = key == null || key.isZero() ? null : StaticIdentity.of(key);
        StaticIdentity previous = identity;
        if (previous != null && next != null && previous.publicKey().equals(next.publicKey())) {
            return;
        }
        identity = next;
        checker = next == null ? null : new CookieChecker(next.publicKey(), clock, random);
        if (next != null) {
            removePeer(next.publicKey());
        }
        for (Peer peer : peers.values()) {
            synchronized (peer) {
                peer.handshake.setLocalIdentity(next);
                forgetHandshakeIndex(peer);
                peer.keypairs.clear(this::retire);
            }
        }
        if (previous != null) {
            previous.privateKey().wipe();
        }
    }

    public StaticIdentity identity() {
        return identity;
    }

    /**
     * The interface's MTU, which padding never goes past; followed at run time as the interface
     * changes, so a full-sized packet is padded to exactly the MTU, and the datagram is as long as
     * the operator planned for the underlay.
     */
    public void setMtu(int mtu) {
        if (mtu < 0 || mtu > MAX_MTU) {
            throw new IllegalArgumentException("MTU " + mtu + " is not within 0.." + MAX_MTU);
        }
        this.mtu = mtu;
    }

    public int mtu() {
        return mtu;
    }

    /** Binds the UDP port now if the device is up, or at {@link #up()}; throws when it is taken. */
    public synchronized void setListenPort(int port) throws IOException {
        if (up && port == listenPort && boundPort != 0) {
            return;
        }
        listenPort = port;
        if (up) {
            bind.close();
            boundPort = 0;
            boundPort = bind.open(port, receiver);
        }
    }

    public int listenPort() {
        return boundPort;
    }

    /** The peer with this key, created if new; null when the key is the device's own. */
    public synchronized Peer addPeer(PublicKey key) {
        StaticIdentity id = identity;
        if (id != null && id.publicKey().equals(key)) {
            return null;
        }
        return peers.computeIfAbsent(key, k -> new Peer(k, new Handshake(id, k, clock, random),
                new CookieGenerator(k, clock), timerFactory));
    }

    public Peer peer(PublicKey key) {
        return peers.get(key);
    }

    /** In the order they were added, which is how `wg` and overlayctl list them. */
    public List<Peer> peers() {
        List<Peer> list = new ArrayList<>(peers.values());
        list.sort(Comparator.comparingLong(p -> p.sequence));
        return list;
    }

    public synchronized void removePeer(PublicKey key) {
        Peer peer = peers.remove(key);
        if (peer == null) {
            return;
        }
        peer.timers.stop();
        allowedIps.removePeer(peer);
        synchronized (peer) {
            forgetHandshakeIndex(peer);
            peer.keypairs.clear(this::retire);
            peer.handshake.clear();
            peer.clearStaged();
        }
    }

    public synchronized void removeAllPeers() {
        for (PublicKey key : new ArrayList<>(peers.keySet())) {
            removePeer(key);
        }
    }

    public void setPresharedKey(Peer peer, PresharedKey key) {
        peer.handshake.setPresharedKey(key);
    }

    public void setEndpoint(Peer peer, InetSocketAddress endpoint) {
        peer.endpoint = new Endpoint(endpoint);
    }

    /** Sets the persistent keepalive; turning it on sends one at once when the device is up, as wireguard-go does. */
    public void setPersistentKeepalive(Peer peer, int seconds) {
        boolean wasOff = peer.persistentKeepaliveSeconds == 0;
        peer.persistentKeepaliveSeconds = seconds;
        if (wasOff && seconds > 0 && up) {
            sendKeepalive(peer);
        }
    }

    public void addAllowedIp(Peer peer, IpPrefix prefix) {
        allowedIps.insert(prefix, peer);
    }

    public void removeAllowedIp(Peer peer, IpPrefix prefix) {
        allowedIps.remove(prefix, peer);
    }

    public void clearAllowedIps(Peer peer) {
        allowedIps.removePeer(peer);
    }

    public List<IpPrefix> allowedIps(Peer peer) {
        return allowedIps.prefixes(peer);
    }

    /**
     * Routes messages of the channel's type to it instead of dropping them as unknown. Each type has
     * at most one channel: a second for a type already attached is refused.
     */
    public void attach(SideChannel channel) {
        if (channel.type() >= MessageType.INITIATION && channel.type() <= MessageType.TRANSPORT) {
            throw new IllegalArgumentException("type " + channel.type() + " is WireGuard's");
        }
        if (!sideChannels.compareAndSet(channel.type() & 0xff, null, channel)) {
            throw new IllegalArgumentException("type " + channel.type() + " has a side channel already");
        }
    }

    /** Sends a side channel's message from the device's port. */
    public void sendOther(byte[] message, InetSocketAddress to) throws IOException {
        bind.send(message, 0, message.length, new Endpoint(to));
        bind.flush();
    }

    // ---- lifecycle ----

    public synchronized void up() throws IOException {
        if (up) {
            return;
        }
        boundPort = bind.open(listenPort, receiver);
        up = true;
        tunReader = Thread.ofPlatform().name(tun.name() + "-tun").daemon().start(this::readTun);
        for (Peer peer : peers.values()) {
            if (peer.persistentKeepaliveSeconds > 0) {
                sendKeepalive(peer);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            up = false;
        }
        for (Peer peer : peers.values()) {
            peer.timers.stop();
        }
        bind.close();
        try {
            tun.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing the TUN", e);
        }
        // The handshake worker arms timers: it must be done before the timers' executor goes.
        handshakes.shutdownNow();
        try {
            handshakes.awaitTermination(2, TimeUnit.SECONDS);
            timers.shutdownNow();
            timers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Peer peer : peers.values()) {
            synchronized (peer) {
                peer.keypairs.clear(this::retire);
                peer.handshake.clear();
            }
        }
    }

    // ---- counters ----

    public DropCounters drops() {
        return drops;
    }

    void count(Peer peer, Drop drop) {
        drops.count(drop);
        if (peer != null) {
            peer.drops.count(drop);
        }
    }

    // ---- send path ----

    private void readTun() {
        PacketBatch batch = new PacketBatch(TUN_BATCH, HEADROOM, Protocol.MAX_DATAGRAM, TAILROOM);
        while (up) {
            int n;
            try {
                n = tun.read(batch);
            } catch (IOException e) {
                LOG.warning("reading the TUN failed: " + e.getMessage());
                n = -1;
            }
            if (n < 0) {
                if (up) {
                    LOG.info(tun.name() + ": the TUN interface is gone");
                    onTunGone.run();
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                route(batch.buffer(i), batch.length(i));
            }
            // One flush for the whole read: a super-packet's segments leave as one GSO batch.
            bind.flush();
        }
    }

    /** One packet from the TUN, at {@link #HEADROOM} in buf, to the peer its destination routes to. */
    private void route(byte[] buf, int n) {
        Peer peer = allowedIps.lookupDestination(buf, HEADROOM, n);
        if (peer == null) {
            count(null, Drop.NO_ROUTE);
            return;
        }
        if (n > MAX_MTU) {
            count(peer, Drop.TOO_BIG);
            return;
        }
        send(peer, buf, n);
    }

    /** Seals and sends the peer's staged packets under its current session, or starts a handshake. */
    void sendStaged(Peer peer) {
        send(peer, null, 0);
    }

    /**
     * Seals and sends the peer's staged packets, then {@code packet} (plaintext at {@link #HEADROOM},
     * room for padding and tag behind it; null for none), in place under the current session. A
     * packet that cannot go yet is staged as a copy, and a handshake is started when there is no
     * session. The datagrams leave at the caller's next {@code bind.flush()}, or at the end of the
     * receive batch when called on the bind's thread.
     */
    private void send(Peer peer, byte[] packet, int length) {
        boolean sentData = false;
        boolean sentAny = false;
        Keypair keypair;
        synchronized (peer) {
            keypair = peer.keypairs.current();
            Endpoint endpoint = peer.endpoint;
            if (!usable(keypair)) {
                keypair = null;
            } else if (endpoint != null) {
                TransportCipher cipher = ciphers.get();
                Peer.Staged staged;
                while ((staged = peer.pollStaged()) != null) {
                    int sealed = keypair.seal(cipher, staged.buf(), 0, staged.length(), mtu, clock.nanoTime());
                    if (sealed < 0) {
                        peer.unpoll(staged);
                        keypair = null;
                        break;
                    }
                    sentAny |= sendSealed(peer, staged.buf(), sealed, endpoint);
                    sentData |= staged.length() > 0;
                }
                if (keypair != null && packet != null) {
                    int sealed = keypair.seal(cipher, packet, 0, length, mtu, clock.nanoTime());
                    if (sealed < 0) {
                        keypair = null;
                    } else {
                        sentAny |= sendSealed(peer, packet, sealed, endpoint);
                        sentData = true;
                        packet = null;
                    }
                }
            }
            if (packet != null) {
                // Sealing failed before touching the plaintext, so the packet can wait for a session.
                peer.stage(new Peer.Staged(Arrays.copyOf(packet, HEADROOM + length + TAILROOM), length), this);
            }
        }
        if (sentAny) {
            if (sentData) {
                peer.timers.dataSent();
            }
            peer.timers.anyAuthenticatedPacketSent();
            peer.timers.anyAuthenticatedPacketTraversal();
        }
        if (keypair == null) {
            if (peer.hasStaged()) {
                sendInitiation(peer, false);
            }
        } else if (keypair.isInitiator() && (Long.compareUnsigned(keypair.sendCounter(), Protocol.REKEY_AFTER_MESSAGES) > 0
                || clock.nanoTime() - keypair.created() > timing.rekeyAfterTime())) {
            sendInitiation(peer, false);
        }
    }

    private boolean sendSealed(Peer peer, byte[] buf, int len, Endpoint endpoint) {
        try {
            bind.send(buf, 0, len, endpoint);
        } catch (IOException e) {
            count(peer, Drop.IO_ERROR);
            return false;
        }
        peer.txBytes.addAndGet(len);
        peer.txPackets.incrementAndGet();
        return true;
    }

    private boolean usable(Keypair keypair) {
        return keypair != null && clock.nanoTime() - keypair.created() < timing.rejectAfterTime()
                && Long.compareUnsigned(keypair.sendCounter(), Protocol.REJECT_AFTER_MESSAGES) < 0;
    }

    /** Sends a keepalive now: with no session, that starts a handshake and the keepalive follows it. */
    public void sendKeepalive(Peer peer) {
        if (!peer.hasStaged()) {
            peer.stage(new Peer.Staged(new byte[HEADROOM + TransportCipher.TAG_LENGTH], 0), this);
        }
        sendStaged(peer);
        bind.flush();
    }

    void sendInitiation(Peer peer, boolean isRetry) {
        StaticIdentity id = identity;
        Endpoint endpoint = peer.endpoint;
        if (id == null || !up) {
            return;
        }
        if (endpoint == null) {
            count(peer, Drop.NO_ENDPOINT);
            return;
        }
        if (!peer.timers.mayInitiate(isRetry)) {
            return;
        }
        HandshakeInitiation initiation;
        synchronized (peer) {
            forgetHandshakeIndex(peer);
            peer.handshakeIndex = indices.insertHandshake(peer, peer.handshake);
            Result<HandshakeInitiation> created = peer.handshake.createInitiation(peer.handshakeIndex);
            if (!created.isAccepted()) {
                count(peer, Drop.of(created.rejection()));
                forgetHandshakeIndex(peer);
                return;
            }
            initiation = created.value();
            peer.cookies.addMacs(initiation);
        }
        sendHandshakeMessage(peer, initiation, endpoint);
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketSent();
        peer.timers.handshakeInitiated();
    }

    void giveUpHandshake(Peer peer) {
        int dropped = peer.clearStaged();
        for (int i = 0; i < dropped; i++) {
            count(peer, Drop.HANDSHAKE_GAVE_UP);
        }
    }

    void zeroKeyMaterial(Peer peer) {
        synchronized (peer) {
            forgetHandshakeIndex(peer);
            peer.keypairs.clear(this::retire);
            peer.handshake.clear();
        }
    }

    private void sendHandshakeMessage(Peer peer, HandshakeMessage message, Endpoint to) {
        byte[] bytes = message.bytes();
        try {
            bind.send(bytes, 0, bytes.length, to);
            bind.flush();
            peer.txBytes.addAndGet(bytes.length);
            peer.txPackets.incrementAndGet();
        } catch (IOException e) {
            count(peer, Drop.IO_ERROR);
        }
    }

    // ---- receive path ----

    /** Every datagram from the bind, on its receive thread. */
    void receive(byte[] buf, int off, int len, Endpoint from) {
        int type = MessageType.classify(buf, off, len);
        switch (type) {
            case MessageType.TRANSPORT -> receiveData(buf, off, len, from);
            case MessageType.INITIATION, MessageType.RESPONSE -> queueHandshake(type, buf, off, len, from);
            case MessageType.COOKIE_REPLY -> receiveCookieReply(buf, off, len);
            default -> receiveOther(type, buf, off, len, from);
        }
    }

    private void receiveOther(int type, byte[] buf, int off, int len, Endpoint from) {
        SideChannel channel = len > 0 ? sideChannels.get(buf[off] & 0xff) : null;
        if (channel != null) {
            channel.receive(buf, off, len, from.address());
        } else {
            count(null, Drop.ofCode(type));
        }
    }

    private void receiveData(byte[] buf, int off, int len, Endpoint from) {
        IndexTable.Entry<Peer> entry = indices.lookup(TransportHeader.receiver(buf, off));
        if (entry == null || entry.keypair() == null) {
            count(null, Drop.UNKNOWN_INDEX);
            return;
        }
        Peer peer = entry.peer();
        Keypair keypair = entry.keypair();
        int n = keypair.open(ciphers.get(), buf, off, len, clock.nanoTime());
        if (n < 0) {
            count(peer, Drop.ofCode(n));
            return;
        }
        if (peer.keypairs.receivedWith(keypair, this::retire)) {
            peer.timers.handshakeComplete();
            sendStaged(peer);
        }
        keepKeyFreshReceiving(peer);
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketReceived();
        peer.endpoint = from;
        peer.rxBytes.addAndGet(len);
        peer.rxPackets.incrementAndGet();
        if (n == 0) {
            return;
        }
        peer.timers.dataReceived();
        int body = off + TransportHeader.LENGTH;
        int packetLength = InnerPacket.length(buf, body, n);
        if (packetLength < 0) {
            count(peer, Drop.INVALID_PACKET);
            return;
        }
        if (allowedIps.lookupSource(buf, body, packetLength) != peer) {
            count(peer, Drop.SOURCE_NOT_ALLOWED);
            return;
        }
        received.add(buf, body, packetLength);
        if (received.isFull()) {
            writeReceived();
        }
    }

    private void writeReceived() {
        int n = received.size();
        if (n == 0) {
            return;
        }
        int refused;
        try {
            refused = tun.write(received);
        } catch (IOException e) {
            refused = n;
        }
        // The peers are not known any more at this point; the device counts them.
        for (int i = 0; i < refused; i++) {
            count(null, Drop.IO_ERROR);
        }
        received.clear();
    }

    /** The initiator renews a session that is about to expire while it only receives. */
    private void keepKeyFreshReceiving(Peer peer) {
        if (peer.timers.sentLastMinuteHandshake) {
            return;
        }
        Keypair current = peer.keypairs.current();
        if (current != null && current.isInitiator()
                && clock.nanoTime() - current.created() > timing.rekeyAfterTimeReceiving()) {
            peer.timers.sentLastMinuteHandshake = true;
            sendInitiation(peer, false);
        }
    }

    private void receiveCookieReply(byte[] buf, int off, int len) {
        CookieReply reply = CookieReply.decode(buf, off, len).value();
        IndexTable.Entry<Peer> entry = indices.lookup(reply.receiver());
        if (entry == null) {
            count(null, Drop.UNKNOWN_INDEX);
            return;
        }
        Result<CookieReply> consumed = entry.peer().cookies.consumeReply(reply);
        if (!consumed.isAccepted()) {
            count(entry.peer(), Drop.of(consumed.rejection()));
        }
    }

    private void queueHandshake(int type, byte[] buf, int off, int len, Endpoint from) {
        if (queuedHandshakes.incrementAndGet() > MAX_QUEUED_HANDSHAKES) {
            queuedHandshakes.decrementAndGet();
            count(null, Drop.HANDSHAKE_QUEUE_FULL);
            return;
        }
        byte[] copy = java.util.Arrays.copyOfRange(buf, off, off + len);
        try {
            handshakes.execute(() -> {
                int queued = queuedHandshakes.getAndDecrement();
                boolean underLoad = load.update(queued);
                if (type == MessageType.INITIATION) {
                    receiveInitiation(HandshakeInitiation.decode(copy, 0, copy.length).value(), from, underLoad);
                } else {
                    receiveResponse(HandshakeResponse.decode(copy, 0, copy.length).value(), from, underLoad);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            queuedHandshakes.decrementAndGet();
        }
    }

    /**
     * mac1 always; under load also mac2, answering a message without one by a cookie reply, and
     * then the source's rate limit: a good cookie proves the address, not that it is not flooding.
     */
    private boolean macsAccepted(HandshakeMessage message, Endpoint from, boolean underLoad) {
        CookieChecker c = checker;
        if (c == null) {
            count(null, Drop.UNKNOWN_PEER);
            return false;
        }
        byte[] source = CookieChecker.source(from.address());
        Result<HandshakeMessage> checked = c.check(message, source, underLoad);
        if (checked.isAccepted()) {
            if (underLoad && !rateLimiter.allow(from.address().getAddress())) {
                count(null, Drop.RATE_LIMITED);
                return false;
            }
            return true;
        }
        count(null, Drop.of(checked.rejection()));
        if (checked.rejection() == dev.overlayd.noise.Rejection.COOKIE_REQUIRED) {
            byte[] reply = c.createReply(message, source).bytes();
            try {
                bind.send(reply, 0, reply.length, from);
                bind.flush();
            } catch (IOException e) {
                count(null, Drop.IO_ERROR);
            }
        }
        return false;
    }

    private void receiveInitiation(HandshakeInitiation initiation, Endpoint from, boolean underLoad) {
        StaticIdentity id = identity;
        if (!macsAccepted(initiation, from, underLoad) || id == null) {
            return;
        }
        Result<Handshake> consumed = Handshake.consumeInitiation(id, initiation, key -> {
            Peer p = peers.get(key);
            return p == null ? null : p.handshake;
        });
        if (!consumed.isAccepted()) {
            count(null, Drop.of(consumed.rejection()));
            return;
        }
        Peer peer = peers.get(consumed.value().remoteStatic());
        if (peer == null) {
            return;
        }
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketReceived();
        peer.endpoint = from;
        HandshakeResponse response;
        synchronized (peer) {
            // Our own initiation, if one is waiting, keeps its index: its answer may be on the way.
            int waiting = peer.handshake.waitingIndex();
            if (peer.handshakeIndex != waiting) {
                forgetHandshakeIndex(peer);
            }
            int index = indices.insertHandshake(peer, peer.handshake);
            Result<HandshakeResponse> created = peer.handshake.createResponse(index);
            if (!created.isAccepted()) {
                count(peer, Drop.of(created.rejection()));
                indices.remove(index);
                forgetHandshakeIndex(peer);
                return;
            }
            response = created.value();
            peer.cookies.addMacs(response);
            beginSession(peer, index);
            peer.handshakeIndex = waiting;
        }
        sendHandshakeMessage(peer, response, from);
        peer.timers.sessionDerived();
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketSent();
    }

    private void receiveResponse(HandshakeResponse response, Endpoint from, boolean underLoad) {
        if (!macsAccepted(response, from, underLoad)) {
            return;
        }
        IndexTable.Entry<Peer> entry = indices.lookup(response.receiver());
        if (entry == null || entry.handshake() == null) {
            count(null, Drop.UNKNOWN_INDEX);
            return;
        }
        Peer peer = entry.peer();
        synchronized (peer) {
            Result<Handshake> consumed = peer.handshake.consumeResponse(response);
            if (!consumed.isAccepted()) {
                count(peer, Drop.of(consumed.rejection()));
                return;
            }
            beginSession(peer, peer.handshakeIndex);
            peer.handshakeIndex = 0;
        }
        peer.timers.anyAuthenticatedPacketTraversal();
        peer.timers.anyAuthenticatedPacketReceived();
        peer.endpoint = from;
        peer.timers.sessionDerived();
        peer.timers.handshakeComplete();
        // Key confirmation: the responder may use the session only after hearing from us under it.
        sendKeepalive(peer);
    }

    /** Turns the completed handshake into the peer's new session, under the handshake's index. */
    private void beginSession(Peer peer, int index) {
        Keypair keypair = peer.handshake.beginSession().value();
        indices.swapToKeypair(index, keypair);
        peer.keypairs.install(keypair, this::retire);
    }

    private void forgetHandshakeIndex(Peer peer) {
        if (peer.handshakeIndex != 0) {
            indices.remove(peer.handshakeIndex);
            peer.handshakeIndex = 0;
        }
    }

    private void retire(Keypair keypair) {
        indices.remove(keypair.localIndex());
        keypair.wipe();
    }
}
