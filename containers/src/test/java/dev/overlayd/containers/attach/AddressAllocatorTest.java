package dev.overlayd.containers.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import com.google.common.net.InetAddresses;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressAllocatorTest {
    private static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/29");
    private static final InetAddress NODE = ip("100.64.1.1");

    @TempDir
    Path dir;

    private static InetAddress ip(String text) {
        return InetAddresses.forString(text);
    }

    private AddressAllocator allocator() throws IOException {
        return new AddressAllocator(SUBNET, NODE, dir.resolve("allocations.json"));
    }

    @Test
    void skipsTheNetworkTheNodeAndWhatDockerReportsInUse() throws Exception {
        AddressAllocator a = allocator();
        assertEquals(ip("100.64.1.2"), a.allocate("c1", List.of()));
        assertEquals(ip("100.64.1.4"), a.allocate("c2", List.of(ip("100.64.1.3"))));
    }

    @Test
    void aContainerKeepsItsAddressUntilItIsRemoved() throws Exception {
        AddressAllocator a = allocator();
        InetAddress first = a.allocate("c1", List.of());
        a.allocate("c2", List.of());
        assertEquals(first, a.allocate("c1", List.of()), "sticky: asked again, the same address");
        a.release("c1");
        assertEquals(Optional.empty(), a.addressOf("c1"));
        assertEquals(first, a.allocate("c3", List.of()), "freed: the next container may have it");
    }

    @Test
    void exhaustionIsAnErrorNamingTheSubnetAndNeverTheBroadcastAddress() throws Exception {
        AddressAllocator a = allocator();
        Set<InetAddress> handedOut = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            handedOut.add(a.allocate("c" + i, List.of()));
        }
        // A /29 has 8 addresses: network .0, node .1, broadcast .7; .2 to .6 are the five to hand out.
        assertEquals(Set.of(ip("100.64.1.2"), ip("100.64.1.3"), ip("100.64.1.4"), ip("100.64.1.5"), ip("100.64.1.6")), handedOut);
        SubnetExhaustedException e = assertThrows(SubnetExhaustedException.class, () -> a.allocate("c5", List.of()));
        assertTrue(e.getMessage().contains("100.64.1.0/29"), e.getMessage());
    }

    @Test
    void allocationsOutliveTheAllocatorAndRemovedContainersAreFreedOnResync() throws Exception {
        AddressAllocator a = allocator();
        InetAddress c1 = a.allocate("c1", List.of());
        InetAddress c2 = a.allocate("c2", List.of());
        a.adopt("c3", ip("100.64.1.6"));
        AddressAllocator again = allocator();
        assertEquals(Optional.of(c1), again.addressOf("c1"));
        assertEquals(Optional.of(c2), again.addressOf("c2"));
        assertEquals(Optional.of(ip("100.64.1.6")), again.addressOf("c3"));
        again.retainOnly(Set.of("c2"));
        assertEquals(Set.of("c2"), allocator().allocations().keySet());
    }

    @Test
    void savedAddressesOutsideTheSubnetAreDroppedAndGarbageIsAClearError() throws Exception {
        Files.writeString(dir.resolve("allocations.json"), "{\"allocations\": {\"c1\": \"100.64.9.2\", \"c2\": \"100.64.1.3\"}}");
        assertEquals(Set.of("c2"), allocator().allocations().keySet());
        Files.writeString(dir.resolve("allocations.json"), "{not json");
        IOException e = assertThrows(IOException.class, this::allocator);
        assertTrue(e.getMessage().contains("allocations.json"), e.getMessage());
    }
}
