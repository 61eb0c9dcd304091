package dev.overlayd.membership.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * One jetcd client, with every request bounded by a deadline and every failure an IOException, so the
 * caller deals with "etcd did not do it" in one way. A session is thrown away after a failure rather
 * than reused: gRPC waits longer and longer (up to two minutes) before reconnecting a channel whose
 * server went away, and offers no public way to make jetcd's channel retry now (jetcd issue 1616);
 * a new client connects at its first request, so the node is back as soon as etcd is.
 */
final class EtcdSession implements AutoCloseable {
    /** One change under the watched prefix; {@code value} is null for a deletion. */
    record Change(String key, byte[] value, long revision) {}

    /** A read of the whole prefix, and the revision it reflects. */
    record Snapshot(Map<String, byte[]> keys, long revision) {}

    /** Where a watch reports, from jetcd's threads. */
    interface WatchHandler {
        void changes(List<Change> changes);

        /** The watch ended; {@code compacted} when the revision it was to resume from is gone from etcd's history. */
        void lost(Throwable cause, boolean compacted);
    }

    private final Client client;
    private final Duration deadline;
    private final boolean plaintext;
    private final String user;

    EtcdSession(EtcdSettings settings) {
        this.deadline = settings.interval();
        this.plaintext = settings.tls() == null;
        this.user = settings.user() == null ? null : settings.user().name();
        ClientBuilder builder = Client.builder()
                .endpoints(settings.endpoints())
                // Fail at once while disconnected instead of queueing: the caller keeps its own schedule.
                .waitForReady(false)
                .connectTimeout(deadline)
                // Retrying is the caller's job, on its own schedule; jetcd's retries would only delay its verdict.
                .retryMaxAttempts(0);
        if (settings.tls() != null) {
            builder.sslContext(settings.tls().context());
        }
        if (settings.user() != null) {
            builder.user(settings.user().nameBytes()).password(settings.user().passwordBytes());
        }
        this.client = builder.build();
    }

    long grant(Duration ttl) throws IOException {
        return await("granting a lease", client.getLeaseClient().grant(ttl.toSeconds())).getID();
    }

    /** Renews {@code lease} once; false when etcd no longer has it (it expired or was revoked). */
    boolean keepAlive(long lease) throws IOException {
        try {
            await("renewing lease " + Long.toHexString(lease), client.getLeaseClient().keepAliveOnce(lease));
            return true;
        } catch (IOException e) {
            if (e.getCause() instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    void revoke(long lease) throws IOException {
        await("revoking lease " + Long.toHexString(lease), client.getLeaseClient().revoke(lease));
    }

    /** Puts {@code value} at {@code key}, attached to {@code lease} unless it is 0; returns the revision it made. */
    long put(String key, byte[] value, long lease) throws IOException {
        PutOption option = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
        return await("writing " + key, client.getKVClient().put(bytes(key), ByteSequence.from(value), option))
                .getHeader().getRevision();
    }

    /** Deletes {@code key}; returns the revision etcd is at after it. */
    long delete(String key) throws IOException {
        return await("deleting " + key, client.getKVClient().delete(bytes(key))).getHeader().getRevision();
    }

        Snapshot read(String prefix) throws IOException {
        GetResponse response = await("reading " + prefix,
                client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (KeyValue kv : response.getKvs()) {
            keys.put(kv.getKey().toString(), kv.getValue().getBytes());
        }
        return new Snapshot(keys, response.getHeader().getRevision());
    }

    /** Watches every key under {@code prefix} from {@code revision} on, the revision included. */
    Watch.Watcher watch(String prefix, long revision, WatchHandler handler) {
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision)
                // With etcd split, a member without a leader would keep a watch open that hears nothing.
                .withRequireLeader(true).build();
        return client.getWatchClient().watch(bytes(prefix), option, Watch.listener(
                response -> handler.changes(changes(response.getEvents())),
                cause -> handler.lost(cause, cause instanceof CompactedException),
                () -> handler.lost(new IOException("etcd ended the watch"), false)));
    }

    @Override
    public void close() {
        client.close();
    }

    private static List<Change> changes(List<WatchEvent> events) {
        List<Change> changes = new ArrayList<>(events.size());
        for (WatchEvent event : events) {
            KeyValue kv = event.getKeyValue();
            byte[] value = switch (event.getEventType()) {
                case PUT -> kv.getValue().getBytes();
                case DELETE -> null;
                case UNRECOGNIZED -> throw new IllegalStateException("etcd sent a watch event of an unknown type");
            };
            changes.add(new Change(kv.getKey().toString(), value, kv.getModRevision()));
        }
        return changes;
    }

    private <T> T await(String what, CompletableFuture<T> future) throws IOException {
        try {
            return future.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("etcd: " + what + ": no answer within " + deadline.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("etcd: " + what + ": " + explained(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("etcd: " + what + ": interrupted", e);
        }
    }

    /**
     * Whether the connection was made and then closed or reset by the other side: gRPC says "Network
     * closed for unknown reason" or, when the close comes as a reset, "io exception" (which one is
     * a race). A refused connection is no such thing.
     */
    private static boolean closedByEtcd(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.ConnectException) {
                return false;
            }
        }
        String message = String.valueOf(failure.getMessage());
        return message.contains("Network closed") || message.contains("io exception");
    }

    /**
     * gRPC says "UNAVAILABLE: ssl exception" or "Network closed for unknown reason" where the
     * operator needs to hear which side of TLS is wrong.
     */
    private String explained(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException ssl) {
                return "TLS with etcd failed: " + ssl.getMessage() + ". etcd's server certificate must be signed by "
                        + "the etcd CA this node trusts, and this node's client certificate by a CA etcd trusts";
            }
        }
        Status.Code code = Status.fromThrowable(failure).getCode();
        if (user != null && code == Status.Code.UNAUTHENTICATED) {
            return failure.getMessage() + " (etcd authentication failed for user " + user
                    + ": the user does not exist or the password file holds another password)";
        }
        if (plaintext && code == Status.Code.UNAVAILABLE && closedByEtcd(failure)) {
            // Also what an etcd going away mid-request looks like: said as the possibility it is.
            return failure.getMessage() + " (this node speaks plaintext to etcd: if etcd serves TLS only, it "
                    + "closes such connections)";
        }
        return failure.getMessage();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
