package dev.overlayd.routing.audit;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * One request as the audit log writes it. {@code client} is the address the balancer's PROXY header
 * gave (null for its LOCAL health checks), {@code balancer} the connection's peer; {@code query} the
 * query string without '?' (null: none; the log leaves it out unless configured, as URLs can carry
 * PHI). {@code service}, {@code instance} (its id, {@code <node>:<container>:<port>}) and
 * {@code node} are null when the request went to no copy. Never a body, never a header's value but
 * those named here.
 */
public record AccessRecord(Instant time, InetSocketAddress client, InetSocketAddress balancer, String tls, String sni,
                           String protocol, String method, String host, String path, String query, int status,
                           long bytesIn, long bytesOut, Duration duration, String service, String instance,
                           String node, String requestId) {}
