package dev.overlayd.routing.discovery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import dev.overlayd.containers.ContainerPorts;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.routing.dns.DnsServer;
import dev.overlayd.routing.dns.DnsSettings;
import dev.overlayd.routing.dns.ResolvConf;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Service discovery: this node's containers registered as service instances and published as its
 * records (the membership backend carries them to every node, signed, and takes them away with the
 * node); the catalog from every member's records, provided to the other plugins as {@link Catalog};
 * a DNS server answering from it on the node's overlay address, offered to the containers; and
 * {@code overlayctl services}; the catalog's size as meters.
 */
public final class DiscoveryPlugin implements Plugin {
    private static final Logger LOG = Logger.getLogger(DiscoveryPlugin.class.getName());

    private final DiscoveryConfig config;
    private PluginContext context;
    private Registration registration;
    private DnsServer dns;
    private ContainerPorts offered;

    public DiscoveryPlugin(DiscoveryConfig config) {
        this.config = config;
    }

    @Override
    public void start(PluginContext context) throws IOException {
        this.context = context;
        NodeIdentity self = context.self();
        warmUp(self);
        ServiceCatalog catalog = new ServiceCatalog(self);
        context.onMembers(catalog);
        context.onRecords(catalog);
        context.provide(Catalog.class, catalog);
        meters(catalog, context.metrics());
        try {
            if (config.dns().enabled()) {
                dns = DnsServer.start(dnsSettings(self), catalog::snapshot);
                if (config.dns().listen() == null) {
                    context.use(ContainerPorts.class, this::offer);
                }
                LOG.info("discovery: DNS on " + dns.address().getAddress().getHostAddress() + ":" + dns.address().getPort()
                        + " answers NAME.service." + config.domain());
            }
            if (config.registers()) {
                registration = new Registration(new DockerClient(config.docker()), self,
                        (key, instance) -> context.publish(key, instance == null ? null : InstanceRecord.encode(instance)),
                        Clock.systemUTC());
                registration.start();
            }
            context.addCommand("services", argument -> status(catalog, argument));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The first container's instance would otherwise wait for the classes that write and read
     * records to load (a few hundred ms on the publishing node and on every other): done at start.
     */
    private static void warmUp(NodeIdentity self) throws IOException {
        ServiceInstance sample = new ServiceInstance("warm-up", self.name() + ":warm-up:1", self.address(), 1, "tcp",
                self.name(), List.of("t"), Health.PASSING, java.time.Instant.EPOCH, List.of(new HttpRoute("warm.up", "/")));
        new CatalogSnapshot(List.of(InstanceRecord.decode(self.name(), InstanceRecord.encode(sample)))).healthy("warm-up", "t");
    }

    /** {@code overlayd_services}, the services the catalog knows, and {@code overlayd_service_instances{health}}, their copies. */
    private static void meters(ServiceCatalog catalog, MeterRegistry metrics) {
        Gauge.builder("overlayd.services", () -> catalog.snapshot().byService().size())
                .description("The services in the cluster's catalog as this node holds it")
                .register(metrics);
        for (Health health : Health.values()) {
            Gauge.builder("overlayd.service.instances",
                            () -> catalog.snapshot().instances().stream().filter(i -> i.health() == health).count())
                    .description("The services' instances in the catalog, by their health (only passing ones are answered)")
                    .tag("health", health.name().toLowerCase(Locale.ROOT))
                    .register(metrics);
        }
    }

    private DnsSettings dnsSettings(NodeIdentity self) throws IOException {
        DiscoveryConfig.Dns d = config.dns();
        InetSocketAddress listen = new InetSocketAddress(d.listen() == null ? self.address() : d.listen(), d.port());
        List<InetSocketAddress> upstreams = d.forward() != null ? d.forward() : ResolvConf.nameservers(ResolvConf.DEFAULT, listen);
        return new DnsSettings(listen, config.domain(), d.ttl(), upstreams);
    }

    /** Containers reach their node's DNS server on its overlay address, and no other port of the node. */
    private void offer(ContainerPorts ports) {
        try {
            ports.offer("udp", dns.address().getPort());
            ports.offer("tcp", dns.address().getPort());
            offered = ports;
        } catch (IOException e) {
            LOG.warning("discovery: containers cannot reach the DNS server (" + e.getMessage() + ")");
        }
    }

    private ServicesStatus status(ServiceCatalog catalog, String argument) throws IOException {
        Map<String, List<ServiceInstance>> all = catalog.snapshot().byService();
        if (!argument.isEmpty() && !all.containsKey(argument)) {
            throw new IOException("no service " + argument + " in the catalog" + (all.isEmpty() ? "" : " (services: "
                    + String.join(", ", all.keySet()) + ")"));
        }
        List<ServicesStatus.Service> services = new ArrayList<>();
        all.forEach((name, instances) -> {
            if (argument.isEmpty() || argument.equals(name)) {
                services.add(new ServicesStatus.Service(name, instances.stream().map(ServicesStatus.Instance::of).toList()));
            }
        });
        List<ServicesStatus.Skipped> skipped = new ArrayList<>();
        if (registration != null) {
            for (RegistrationStatus.Skipped s : registration.status().skipped()) {
                skipped.add(new ServicesStatus.Skipped(s.container(), s.id(), s.port(), s.reason(), s.since().getEpochSecond()));
            }
        }
        return new ServicesStatus(context.self().name(), config.domain(),
                dns == null ? "off" : dns.address().getAddress().getHostAddress() + ":" + dns.address().getPort(),
                services, skipped, context.unsettled(), catalog.refused());
    }

    @Override
    public void close() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
        if (offered != null) {
            try {
                offered.withdraw("udp", dns.address().getPort());
                offered.withdraw("tcp", dns.address().getPort());
            } catch (IOException e) {
                LOG.warning("discovery: the DNS port stays offered to containers (" + e.getMessage() + ")");
            }
            offered = null;
        }
        if (dns != null) {
            dns.close();
            dns = null;
        }
    }
}
