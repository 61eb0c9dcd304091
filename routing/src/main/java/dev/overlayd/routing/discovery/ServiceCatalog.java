package dev.overlayd.routing.discovery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.MemberListener;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.RecordListener;
import dev.overlayd.node.plugin.Subscription;
import dev.overlayd.peers.IpPrefix;

/**
 * The catalog from every member's discovery records (the backend has checked that each member's
 * records are signed by it). A member also vouches only for its own containers: an instance whose
 * address is not in the container subnet of the member whose record it is, is refused and counted,
 * so no member can point a service at another's containers or elsewhere.
 */
final class ServiceCatalog implements Catalog, RecordListener, MemberListener {
    private static final Logger LOG = Logger.getLogger(ServiceCatalog.class.getName());

    private final NodeIdentity self;
    private final Map<String, IpPrefix> subnets = new HashMap<>();
    private final Map<String, List<ServiceInstance>> byMember = new TreeMap<>();
    private final Map<String, Long> refused = new TreeMap<>();
    /** Records already refused, said once each in the log. */
    private final Set<String> warned = new HashSet<>();
    private final List<Consumer<CatalogSnapshot>> watchers = new CopyOnWriteArrayList<>();
    private volatile CatalogSnapshot snapshot = CatalogSnapshot.EMPTY;

    ServiceCatalog(NodeIdentity self) {
        this.self = self;
    }

    @Override
    public synchronized void joined(ClusterMember member) {
        if (member.subnet() == null) {
            subnets.remove(member.name());
        } else {
            subnets.put(member.name(), member.subnet());
        }
    }

    @Override
    public synchronized void left(ClusterMember member, String why) {
        subnets.remove(member.name());
        if (byMember.remove(member.name()) != null) {
            publish();
        }
    }

    @Override
    public synchronized void records(String member, Map<String, byte[]> records) {
        IpPrefix subnet = member.equals(self.name()) ? self.containerSubnet() : subnets.get(member);
        List<ServiceInstance> instances = new ArrayList<>();
        for (Map.Entry<String, byte[]> record : records.entrySet()) {
            ServiceInstance instance;
            try {
                instance = InstanceRecord.decode(member, record.getValue());
            } catch (IOException e) {
                refuse(member, record.getKey(), "malformed record", e.getMessage());
                continue;
            }
            if (subnet == null || !subnet.contains(instance.address().getAddress())) {
                refuse(member, record.getKey(), "address outside the member's subnet", "its address "
                        + instance.address().getHostAddress() + " is not in " + member + "'s container subnet "
                        + (subnet == null ? "(it has none)" : subnet));
                continue;
            }
            instances.add(instance);
        }
        List<ServiceInstance> was = instances.isEmpty() ? byMember.remove(member) : byMember.put(member, instances);
        if (!instances.equals(was == null ? List.of() : was)) {
            publish();
        }
    }

    private void refuse(String member, String key, String reason, String why) {
        refused.merge(reason, 1L, Long::sum);
        if (warned.add(member + " " + key)) {
            LOG.warning("service instance " + key + " of " + member + " refused: " + why);
        }
    }

    private void publish() {
        List<ServiceInstance> all = new ArrayList<>();
        byMember.values().forEach(all::addAll);
        CatalogSnapshot now = new CatalogSnapshot(all);
        snapshot = now;
        for (Consumer<CatalogSnapshot> watcher : watchers) {
            tell(watcher, now);
        }
    }

    @Override
    public CatalogSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public synchronized Subscription watch(Consumer<CatalogSnapshot> listener) {
        tell(listener, snapshot);
        watchers.add(listener);
        return () -> watchers.remove(listener);
    }

    /** Records refused so far, by reason. */
    synchronized Map<String, Long> refused() {
        return Map.copyOf(refused);
    }

    private static void tell(Consumer<CatalogSnapshot> watcher, CatalogSnapshot now) {
        try {
            watcher.accept(now);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a catalog watcher failed; the others carry on: " + e, e);
        }
    }
}
