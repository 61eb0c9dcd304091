package dev.overlayd.membership.gossip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import dev.overlayd.peers.HostPort;
import com.google.common.net.InetAddresses;

/**
 * The members to join through, as configured: addresses, or host names, such as a DNS name that
 * lists an auto-scaling group's instances. Names are looked up again every {@link #REFRESH}, as
 * instances come and go, and off the membership's thread, as a lookup can take seconds; a name
 * that stops resolving keeps the addresses it last had.
 */
final class Seeds implements AutoCloseable {
    static final Duration REFRESH = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(Seeds.class.getName());

    /** A host name's addresses; the JDK's {@code InetAddress::getAllByName} in production. */
    interface Lookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    private final Map<HostPort, List<InetSocketAddress>> resolved = new LinkedHashMap<>();
    private final Map<HostPort, Boolean> failing = new LinkedHashMap<>();
    private final List<HostPort> names = new ArrayList<>();
    private final Lookup lookup;
    private volatile List<InetSocketAddress> addresses = List.of();
    private ScheduledExecutorService resolver;

    Seeds(List<HostPort> seeds, Lookup lookup) {
        this.lookup = lookup;
        for (HostPort seed : seeds) {
            if (seed.isAddress()) {
                resolved.put(seed, List.of(new InetSocketAddress(InetAddresses.forString(seed.host()), seed.port())));
            } else {
                resolved.put(seed, List.of());
                names.add(seed);
            }
        }
        publish();
    }

    /** Starts looking the names up, at once and then every {@link #REFRESH}; nothing to do without names. */
    void start(String threadName) {
        if (names.isEmpty()) {
            return;
        }
        resolver = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(threadName).daemon().factory());
        resolver.scheduleWithFixedDelay(this::refresh, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every seed's addresses as last resolved, in the configured order. */
    List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Looks every name up once; what {@link #start} runs. */
    synchronized void refresh() {
        for (HostPort name : names) {
            try {
                List<InetSocketAddress> found = new ArrayList<>();
                for (InetAddress a : lookup.addresses(name.host())) {
                    found.add(new InetSocketAddress(a, name.port()));
                }
                resolved.put(name, List.copyOf(found));
                if (failing.put(name, false) == Boolean.TRUE) {
                    LOG.info("seed " + name + " resolves again: " + found.size() + " addresses");
                }
            } catch (UnknownHostException e) {
                // Said once, not on every look: a name that does not resolve stays so for a while.
                if (failing.put(name, true) != Boolean.TRUE) {
                    LOG.warning("seed " + name + " does not resolve" + (resolved.get(name).isEmpty() ? ""
                            : "; joining through its last addresses") + ": " + e.getMessage());
                }
            }
        }
        publish();
    }

    private void publish() {
        List<InetSocketAddress> all = new ArrayList<>();
        resolved.values().forEach(all::addAll);
        addresses = List.copyOf(all);
    }

    @Override
    public void close() {
        if (resolver != null) {
            resolver.shutdownNow();
        }
    }
}
