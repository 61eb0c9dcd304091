package dev.overlayd.membership.etcd;

import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.SigningKey;
import io.etcd.jetcd.Watch;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Membership kept in etcd. Each node's record, signed by the node, sits at
 * {@code /overlayd/<cluster>/members/<name>} on a lease the node renews, so a node that stops renewing
 * disappears after the TTL; its plugins' records, each signed by it too, sit at
 * {@code /overlayd/<cluster>/records/<name>/<key>} on the same lease, so they go with it, at once
 * when it leaves (the lease revoked); the CRL sits at {@code /overlayd/<cluster>/revocations}. One
 * watch on the cluster's prefix tells every node about every change.
 *
 * <p>etcd going away must not take the overlay down with it: while etcd cannot be reached the node
 * keeps the members it knows and says so once; when etcd answers again it renews or re-creates its
 * record and resumes the watch where it stopped (or, if etcd has forgotten that far back, reads the
 * cluster again and reports the difference).
 *
 * <p>All state is owned by one control thread (requests, renewals, watch events), and the listener
 * is called on another single thread, so a slow listener delays neither renewals nor the caller, and
 * no lock is held while it runs.
 */
public final class EtcdMembership implements Membership {
    private static final Logger LOG = Logger.getLogger(EtcdMembership.class.getName());

    private final EtcdSettings settings;
    private final SigningKey signingKey;
    private final CaAdmission admission;
    private final Clock clock;

    private final OwnRecords own = new OwnRecords();

    private volatile Member self;
    private volatile ClusterView view;
    private volatile RecordsView records;
    private volatile boolean stopped;
    private MembershipListener listener;
    private ExecutorService callbacks;
    /** Set once start has made everything the other methods use. */
    private volatile ScheduledExecutorService control;
    /** Since when etcd has not answered, and since when the watch has been down; null while they are fine. */
    private volatile Instant unreachableSince;
    private volatile Instant watchDownSince;

    // Owned by the control thread.
    private EtcdSession session;
    private long lease;
    private boolean republish = true;
    private long publishedRevision;
    private long version;
    private boolean reread = true;
    private long revision;
    private Watch.Watcher watcher;
    private int watchGeneration;
    private volatile boolean unreachable;
    private boolean warnedOverwritten;

    /**
     * @param signingKey this node's record-signing key, the one its certificate binds; wiped on {@link #close}
     * @param admission what decides whose certificates count, before their records are believed
     * @param clock what a record's version grows with, so that it keeps growing across restarts
     */
    public EtcdMembership(EtcdSettings settings, SigningKey signingKey, CaAdmission admission, Clock clock) {
        this.settings = settings;
        this.signingKey = signingKey;
        this.admission = admission;
        this.clock = clock;
    }

    /**
     * Registers {@code self} (a new lease, its record), reports every other member and the current
     * revocation list, then follows the cluster.
     *
     * @throws IOException when etcd cannot be reached or refuses; nothing is left running then
     */
    @Override
    public void start(Member self, MembershipListener listener) throws IOException {
        if (this.self != null) {
            throw new IllegalStateException("etcd membership: already started as " + this.self.name());
        }
        this.self = self;
        this.listener = listener;
        ClusterView view = new ClusterView(settings, self.name(), admission);
        this.view = view;
        this.records = new RecordsView(settings, view::signingKey);
        callbacks = Executors.newSingleThreadExecutor(daemon("overlayd-etcd-" + self.name() + "-events"));
        control = Executors.newSingleThreadScheduledExecutor(daemon("overlayd-etcd-" + self.name()));
        try {
            onControl(() -> {
                connectPatiently();
                return null;
            });
            if (!own.values().isEmpty()) {
                deliverOwn();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw new IOException("etcd at " + settings.endpoints() + ": cannot join cluster " + settings.cluster()
                    + ": " + e.getMessage(), e);
        }
        long interval = settings.interval().toMillis();
        control.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Republishes this node's record. When etcd cannot be reached the new record is kept and written
     * as soon as it can, and this throws to say it has not happened yet.
     */
    @Override
    public void update(Member self) throws IOException {
        Member current = started();
        if (!current.name().equals(self.name())) {
            throw new IllegalArgumentException("etcd membership: " + current.name() + " cannot be renamed " + self.name());
        }
        onControl(() -> {
            this.self = self;
            republish = true;
            try {
                publishSelf();
            } catch (IOException e) {
                lost(e);
                throw new IOException(e.getMessage() + " (the record is written when etcd is back)", e);
            }
            return null;
        });
    }

    /**
     * Writes the host's record without a lease: it stays until revoked, as a static host never renews.
     * It holds the certificate alone; every node takes the endpoint from that.
     */
    @Override
    public void host(Member host) throws IOException {
        putForever(settings.memberKey(host.name()), MemberRecord.staticHost(host));
    }

    /**
     * Writes one of this node's records under its lease, signed, with a version higher than any
     * before; null deletes it. The listener hears this node's records at once. Before the start the
     * record is kept for it; while etcd cannot be reached it is kept and written when etcd is back
     * (see {@link #unsettled}), and this returns without waiting for that.
     */
    @Override
    public void publish(String key, byte[] value) throws IOException {
        if (stopped) {
            throw new IOException("etcd membership is closed");
        }
        if (!own.set(key, value)) {
            return;
        }
        if (control == null) {
            return;
        }
        deliverOwn();
        if (!unreachable) {
            onControl(() -> {
                // etcd may have been found away while this waited: then the next tick writes it.
                if (!unreachable) {
                    try {
                        writeRecords();
                    } catch (IOException e) {
                        lost(e);
                    }
                }
                return null;
            });
        }
    }

    /** Writes the revocation list; every node, this one included, hears of it through its watch. */
    @Override
    public void revoke(byte[] revocationList) throws IOException {
        putForever(settings.revocationsKey(), revocationList.clone());
    }

    private void putForever(String key, byte[] value) throws IOException {
        started();
        onControl(() -> {
            try {
                return connected().put(key, value, 0);
            } catch (IOException e) {
                lost(e);
                throw e;
            }
        });
    }

    /** How many member records this node ignored: see {@link ClusterView}. */
    public long ignoredRecords() {
        ClusterView view = this.view;
        return view == null ? 0 : view.ignored();
    }

    /** The member records and records ({@link RecordsView.Drop}) this node ignored, by why. */
    @Override
    public Map<String, Long> drops() {
        RecordsView records = this.records;
        if (records == null) {
            return Map.of();
        }
        Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("member-record-ignored", ignoredRecords());
        drops.putAll(records.drops());
        return drops;
    }

    /**
     * While etcd cannot be reached or the watch is down, under "etcd": since when, as of when the
     * records held are, and how many of this node's record changes are not written yet.
     */
    @Override
    public Map<String, String> unsettled() {
        Instant unreachable = unreachableSince;
        Instant down = watchDownSince;
        if (unreachable == null && down == null) {
            return Map.of();
        }
        StringBuilder why = new StringBuilder();
        why.append(unreachable != null ? "unreachable since " + unreachable : "watch down since " + down + ", resuming");
        why.append("; records as of ").append(down != null ? down : unreachable);
        int pending = own.pendingCount();
        if (pending > 0) {
            why.append("; ").append(pending).append(" of this node's record changes not written yet");
        }
        return Map.of("etcd", why.toString());
    }

    @Override
    public List<Member> members() {
        Member self = this.self;
        if (self == null) {
            return List.of();
        }
        List<Member> members = new ArrayList<>(view.others());
        members.add(self);
        return members;
    }

    /** Revokes this node's lease, which deletes its record at once, then closes. */
    @Override
    public void leave() {
        if (self == null || stopped) {
            return;
        }
        try {
            onControl(() -> {
                if (lease != 0) {
                    connected().revoke(lease);
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warning(self.name() + ": could not tell etcd this node leaves, the others drop it after "
                    + settings.ttl().toSeconds() + " s: " + e.getMessage());
        }
        close();
    }

    /** Stops renewing and watching; the record stays until its TTL runs out, as after a crash. */
    @Override
    public void close() {
        if (control == null || stopped) {
            return;
        }
        stopped = true;
        control.execute(() -> {
            stopWatch();
            if (session != null) {
                session.close();
                session = null;
            }
        });
        control.shutdown();
        try {
            if (!control.awaitTermination(settings.ttl().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning(self.name() + ": etcd membership did not stop within " + settings.ttl().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        signingKey.close();
        // Not awaited: close may be called from the listener itself, on that thread.
        callbacks.shutdown();
    }

    /** Renews the lease, and whatever else is missing after an outage; runs every TTL/3. */
    private void tick() {
        try {
            connect();
        } catch (IOException e) {
            lost(e);
        } catch (RuntimeException e) {
            // Thrown out of a scheduled task, it would cancel every later renewal without a word.
            LOG.log(Level.WARNING, self.name() + ": etcd membership: unexpected failure, retrying", e);
            lost(new IOException(e));
        }
    }

    /**
     * {@link #connect}, with the whole TTL for etcd to answer rather than one request's deadline: a
     * new TLS channel from a JVM that has just started can take longer than that to open. The
     * channel is kept between tries, so each one continues the handshake the last one began.
     */
    private void connectPatiently() throws IOException {
        long giveUp = clock.millis() + settings.ttl().toMillis();
        while (true) {
            try {
                connect();
                return;
            } catch (IOException e) {
                if (!(e.getCause() instanceof TimeoutException) || clock.millis() >= giveUp) {
                    throw e;
                }
            }
        }
    }

    /** Brings this node to "registered and watching", from wherever it is; each step is skipped when done. */
    private void connect() throws IOException {
        EtcdSession session = connected();
        if (lease == 0 || !session.keepAlive(lease)) {
            if (lease != 0) {
                LOG.info(self.name() + ": etcd no longer had this node's lease (its TTL ran out while etcd could "
                        + "not be reached): registering again");
            }
            lease = session.grant(settings.ttl());
            republish = true;
            own.lost();
        }
        publishSelf();
        if (watcher == null) {
            if (reread) {
                reread(session);
            }
            int generation = ++watchGeneration;
            watcher = session.watch(settings.prefix(), revision + 1, new WatchHandler(generation));
            watchDownSince = null;
        }
        writeRecords();
        if (unreachable) {
            unreachable = false;
            unreachableSince = null;
            LOG.info(self.name() + ": etcd is reachable again, following cluster " + settings.cluster());
        }
    }

    private void publishSelf() throws IOException {
        if (republish) {
            publishedRevision = connected().put(settings.memberKey(self.name()),
                    MemberRecord.signed(self, nextVersion(), signingKey), lease);
            republish = false;
        }
    }

    /** Brings this node's records in etcd in line with what it publishes; only once it has a lease. */
    private void writeRecords() throws IOException {
        if (lease == 0) {
            return;
        }
        for (OwnRecords.Pending pending : own.pending()) {
            String key = settings.recordKey(self.name(), pending.key());
            if (pending.value() == null) {
                own.wrote(pending, null, connected().delete(key));
            } else {
                byte[] stored = PublishedRecord.signed(self.name(), pending.key(), nextVersion(), pending.value(),
                        signingKey);
                own.wrote(pending, stored, connected().put(key, stored, lease));
            }
        }
    }

    /** Each record newer than the last, also one written after a restart: others ignore older ones. */
    private long nextVersion() {
        version = Math.max(clock.millis(), version + 1);
        return version;
    }

    /** Replaces the view with the cluster as etcd has it now, reporting the differences. */
    private void reread(EtcdSession session) throws IOException {
        EtcdSession.Snapshot snapshot = session.read(settings.prefix());
        List<MembershipEvent> events = new ArrayList<>(
                members(view.reread(snapshot.keys(), "its record was gone when the cluster was read again")));
        records.reread(snapshot.keys(), self.name());
        Map<String, byte[]> mine = new LinkedHashMap<>();
        snapshot.keys().forEach((key, value) -> {
            RecordsView.Path path = records.path(key);
            if (path != null && path.member().equals(self.name())) {
                mine.put(path.key(), value);
            }
        });
        own.reread(mine);
        events.addAll(records.report());
        deliver(events);
        revision = snapshot.revision();
        reread = false;
    }

    /** etcd did not answer: keep everything known, drop the connection, and try again next tick. */
    private void lost(IOException cause) {
        if (!unreachable && !stopped) {
            unreachable = true;
            unreachableSince = now();
            LOG.warning(self.name() + ": etcd unreachable, keeping the members known (" + view.others().size()
                    + " besides this node) until it is back: " + cause.getMessage());
        }
        stopWatch();
        if (session != null) {
            session.close();
            session = null;
        }
        // The record may have changed meanwhile (a failed update), or be gone with the lease.
        republish = true;
    }

    private EtcdSession connected() throws IOException {
        if (stopped) {
            throw new IOException("etcd membership is closed");
        }
        if (session == null) {
            session = new EtcdSession(settings);
        }
        return session;
    }

    private void stopWatch() {
        watchGeneration++;
        if (watcher != null) {
            watcher.close();
            watcher = null;
            watchDownSince = now();
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private void changed(List<EtcdSession.Change> changes) {
        List<MembershipEvent> events = new ArrayList<>();
        for (EtcdSession.Change change : changes) {
            revision = Math.max(revision, change.revision());
            RecordsView.Path path = records.path(change.key());
            if (path != null) {
                if (path.member().equals(self.name())) {
                    own.observed(path.key(), change.value(), change.revision());
                } else if (change.value() != null) {
                    records.put(path, change.key(), change.value());
                } else {
                    records.delete(path);
                }
            } else if (view.isSelf(change.key())) {
                // Deleted or overwritten behind this node's back (an operator, a lease lost earlier, an
                // old record written again): the next tick writes it again. An older change, replayed
                // after an outage, is already repaired.
                if (change.revision() > publishedRevision) {
                    republish = true;
                    if (change.value() != null && !warnedOverwritten) {
                        warnedOverwritten = true;
                        LOG.warning(self.name() + ": someone else wrote this node's record in etcd (another daemon "
                                + "with this certificate, or whoever can write to etcd); writing it again");
                    }
                }
            } else if (change.value() != null) {
                events.addAll(members(view.put(change.key(), change.value())));
            } else {
                events.addAll(members(view.delete(change.key(), "its record was removed (it left, or its TTL ran out)")));
            }
        }
        events.addAll(records.report());
        deliver(events);
    }

    /** Has the records of each member that came, changed or went judged again under its record now. */
    private List<MembershipEvent> members(List<MembershipEvent> events) {
        for (MembershipEvent event : events) {
            switch (event) {
                case MembershipEvent.Present present -> records.refresh(present.member().name());
                case MembershipEvent.Absent absent -> records.refresh(absent.member().name());
                default -> {}
            }
        }
        return events;
    }

    private void watchLost(Throwable cause, boolean compacted) {
        stopWatch();
        // Far behind etcd's history, the changes cannot be replayed: the next tick reads everything.
        reread |= compacted;
        LOG.fine(() -> self.name() + ": etcd watch ended, resuming next tick: " + cause);
    }

    /** Tells the listener this node's records as they are when it gets to it, so the last change is the last told. */
    private void deliverOwn() {
        String name = self.name();
        deliver(() -> listener.records(name, own.values()), "this node's records");
    }

    private void deliver(Runnable call, Object what) {
        try {
            callbacks.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, self.name() + ": membership listener failed on " + what, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: nobody listens any more.
        }
    }

    private void deliver(List<MembershipEvent> events) {
        for (MembershipEvent event : events) {
            deliver(() -> event.deliverTo(listener), event);
        }
    }

    /** Runs {@code task} on the control thread and waits for it, its exceptions rethrown as they were. */
    private <T> T onControl(Callable<T> task) throws IOException {
        try {
            return control.submit(task).get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                default -> throw new IllegalStateException(e.getCause());
            }
        } catch (RejectedExecutionException e) {
            throw new IOException("etcd membership is closed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private Member started() {
        Member self = this.self;
        if (self == null) {
            throw new IllegalStateException("etcd membership: not started");
        }
        return self;
    }

    /** Hands one watch's reports to the control thread, where reports of a watch since replaced are dropped. */
    private final class WatchHandler implements EtcdSession.WatchHandler {
        private final int generation;

        WatchHandler(int generation) {
            this.generation = generation;
        }

        @Override
        public void changes(List<EtcdSession.Change> changes) {
            post(() -> changed(changes));
        }

        @Override
        public void lost(Throwable cause, boolean compacted) {
            post(() -> watchLost(cause, compacted));
        }

        private void post(Runnable report) {
            try {
                control.execute(() -> {
                    if (generation == watchGeneration && !stopped) {
                        report.run();
                    }
                });
            } catch (RejectedExecutionException e) {
                // Closed meanwhile: nobody follows the cluster any more.
            }
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            // Membership alone must not keep a process alive whose owner forgot to close it.
            thread.setDaemon(true);
            return thread;
        };
    }
}
