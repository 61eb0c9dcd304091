package dev.overlayd.membership.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where a cluster's records live in etcd: the endpoints to reach it, the cluster's name (its keys are
 * under {@code /overlayd/<cluster>/}, so several clusters can share one etcd), the TTL of a node's
 * record, the time after which a node that stopped without leaving is dropped by the others, and how
 * the node talks to etcd: over TLS with a client certificate ({@code https://} endpoints), or, when
 * {@code tls} is null, in plaintext ({@code http://}), which its caller must have been told to allow.
 * {@code user} (etcd's user authentication) is optional either way.
 */
public record EtcdSettings(List<URI> endpoints, String cluster, Duration ttl, EtcdTls tls, EtcdUser user) {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

    /** etcd grants leases in whole seconds and refuses ones shorter than its election timeout allows. */
    private static final Duration MIN_TTL = Duration.ofSeconds(2);

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd: at least one endpoint is needed, e.g. https://198.18.0.1:2379");
        }
        String scheme = tls == null ? "http" : "https";
        for (URI endpoint : endpoints) {
            if (!scheme.equals(endpoint.getScheme()) || endpoint.getHost() == null || endpoint.getPort() < 0) {
                throw new IllegalArgumentException("etcd endpoint " + endpoint + ": expected " + scheme + "://host:port"
                        + (tls == null ? " (plaintext)" : " (TLS)"));
            }
        }
        Objects.requireNonNull(cluster, "cluster");
        if (cluster.isEmpty() || cluster.contains("/")) {
            throw new IllegalArgumentException("etcd cluster name '" + cluster + "': must be non-empty, without '/'");
        }
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.toMillisPart() != 0) {
            throw new IllegalArgumentException("etcd TTL " + ttl + ": must be whole seconds, at least " + MIN_TTL);
        }
    }

    /** The key every record of this cluster starts with. */
    String prefix() {
        return "/overlayd/" + cluster + "/";
    }

    String memberKey(String name) {
        return membersPrefix() + name;
    }

    String membersPrefix() {
        return prefix() + "members/";
    }

    /** Where a node's records are: {@code records/<member>/<key>}, each key attached to that node's lease. */
    String recordKey(String member, String key) {
        return recordsPrefix() + member + "/" + key;
    }

    String recordsPrefix() {
        return prefix() + "records/";
    }

    String revocationsKey() {
        return prefix() + "revocations";
    }

    /**
     * How often the lease is renewed and, during an outage, how often etcd is tried again; also the
     * deadline of one request. A third of the TTL, as etcd's own client does, leaves two more tries
     * before the record expires.
     */
    Duration interval() {
        return ttl.dividedBy(3);
    }
}
