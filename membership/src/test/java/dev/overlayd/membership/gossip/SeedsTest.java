package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.overlayd.peers.HostPort;
import com.google.common.net.InetAddresses;
import org.junit.jupiter.api.Test;

class SeedsTest {
    private final Map<String, InetAddress[]> dns = new HashMap<>();

    private InetAddress[] lookup(String host) throws UnknownHostException {
        InetAddress[] found = dns.get(host);
        if (found == null) {
            throw new UnknownHostException(host + ": Name or service not known");
        }
        return found;
    }

    private static InetAddress ip(String text) {
        return InetAddresses.forString(text);
    }

    @Test
    void addressesAreSeedsAtOnceAndNamesOnceLookedUpWithEveryAddressTheyHave() {
        Seeds seeds = new Seeds(List.of(HostPort.parse("198.18.0.1:51820"),
                HostPort.parse("seeds.cluster.internal:4000")), this::lookup);
        assertEquals(List.of(new InetSocketAddress("198.18.0.1", 51820)), seeds.addresses(), "no lookup needed");

        dns.put("seeds.cluster.internal", new InetAddress[] {ip("198.18.0.7"), ip("198.18.0.8")});
        seeds.refresh();
        assertEquals(List.of(new InetSocketAddress("198.18.0.1", 51820), new InetSocketAddress("198.18.0.7", 4000),
                new InetSocketAddress("198.18.0.8", 4000)), seeds.addresses());
    }

    @Test
    void aNameFollowsTheGroupAndKeepsItsLastAddressesWhileItDoesNotResolve() {
        Seeds seeds = new Seeds(List.of(HostPort.parse("seeds.cluster.internal:51820")), this::lookup);
        seeds.refresh();
        assertEquals(List.of(), seeds.addresses(), "nothing yet");
        dns.put("seeds.cluster.internal", new InetAddress[] {ip("198.18.0.7")});
        seeds.refresh();
        dns.put("seeds.cluster.internal", new InetAddress[] {ip("198.18.0.9")});
        seeds.refresh();
        assertEquals(List.of(new InetSocketAddress("198.18.0.9", 51820)), seeds.addresses(), "the instance that came");
        dns.clear();
        seeds.refresh();
        assertEquals(List.of(new InetSocketAddress("198.18.0.9", 51820)), seeds.addresses(), "a DNS outage is no reason to forget");
    }
}
