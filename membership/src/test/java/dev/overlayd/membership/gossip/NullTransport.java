package dev.overlayd.membership.gossip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import dev.overlayd.noise.PublicKey;

/**
 * A transport that sends nothing and has nothing to wait for; tests override what they watch or
 * deliver. A node's endpoint is whatever it asks towards.
 */
abstract class NullTransport implements GossipTransport {
    @Override
    public void sendGossip(byte[] message, InetAddress to) {}

    @Override
    public void sendJoin(byte[] message, InetSocketAddress to) {}

    @Override
    public InetSocketAddress endpointTowards(InetSocketAddress target) {
        return target;
    }

    @Override
    public Map<PublicKey, Long> sent(List<PublicKey> peers) {
        return Map.of();
    }

    @Override
    public void awaitSent(Map<PublicKey, Long> before, int bytes) {}

    @Override
    public void close() {}
}
