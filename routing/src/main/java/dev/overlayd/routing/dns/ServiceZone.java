package dev.overlayd.routing.dns;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.ServiceInstance;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The names under the domain, answered from the service catalog, Consul's way:
 * {@code [<tag>.]<service>.service.<domain>} and RFC 2782's {@code _<service>._<proto>.service.<domain>}
 * (A of the healthy IPv4 instances in random order, SRV with their ports), and
 * {@code <8 hex>.addr.<domain>}, the SRV targets, A of the address they spell. Sans I/O.
 */
final class ServiceZone {
    private static final HexFormat HEX = HexFormat.of();
    /** SRV priority and weight: every instance alike, the random order spreads the load (as Consul). */
    private static final int SRV_PRIORITY = 1;
    private static final int SRV_WEIGHT = 1;
    /** The SOA's timers concern secondaries, which this zone has none of; the usual values. */
    private static final int SOA_REFRESH = 3600;
    private static final int SOA_RETRY = 600;
    private static final int SOA_EXPIRE = 86400;

    private final String domain;
    private final String apex;
    private final long ttl;
    private final RandomGenerator random;

    ServiceZone(String domain, Duration ttl, RandomGenerator random) {
        this.domain = domain;
        this.apex = domain + ".";
        this.ttl = ttl.toSeconds();
        this.random = random;
    }

    /** The answer to {@code question}, or null when its name is not under the domain. */
    Answer answer(DnsQuestion question, CatalogSnapshot catalog) {
        String name = question.name().toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!name.equals(domain) && !name.endsWith("." + domain)) {
            return null;
        }
        List<String> labels = name.equals(domain) ? List.of()
                : List.of(name.substring(0, name.length() - domain.length() - 1).split("\\.", -1));
        DnsRecordType type = question.type();
        if (labels.isEmpty()) {
            return type == DnsRecordType.SOA ? new Answer(DnsResponseCode.NOERROR, true, List.of(soa()), List.of(), List.of())
                    : noData();
        }
        String kind = labels.getLast();
        List<String> below = labels.subList(0, labels.size() - 1);
        return switch (kind) {
            case "service" -> service(question, type, below, catalog);
            case "addr" -> address(question, type, below);
            default -> nxdomain();
        };
    }

    private Answer service(DnsQuestion question, DnsRecordType type, List<String> below, CatalogSnapshot catalog) {
        // service.<domain> itself has names below it, so it exists (RFC 8020): no data, not NXDOMAIN.
        if (below.isEmpty()) {
            return noData();
        }
        Lookup lookup;
        if (below.size() == 1) {
            lookup = new Lookup(below.getFirst(), null, null);
        } else if (below.size() == 2 && below.get(0).startsWith("_") && below.get(1).startsWith("_")) {
            lookup = new Lookup(below.get(0).substring(1), null, below.get(1).substring(1));
        } else if (below.size() == 2) {
            lookup = new Lookup(below.get(1), below.get(0), null);
        } else {
            return nxdomain();
        }
        List<ServiceInstance> named = catalog.instances().stream().filter(lookup::matches).toList();
        if (named.isEmpty()) {
            return nxdomain();
        }
        // A service whose instances are all unhealthy (or starting) exists: NOERROR with no records
        // (NODATA), as Consul's DNS answers since its router was rewritten (agent/dns/router.go maps
        // its fetcher's ErrNoData to NOERROR; the older server said NXDOMAIN). NXDOMAIN would claim no
        // name at all exists there (RFC 8020), so its tag and RFC 2782 names neither; the SOA bounds
        // how long resolvers cache the empty answer to the TTL, so a recovered instance shows quickly.
        List<ServiceInstance> healthy = named.stream()
                .filter(i -> i.health().answered() && i.address() instanceof Inet4Address).toList();
        if (healthy.isEmpty()) {
            return noData();
        }
        return switch (type.intValue()) {
            case 1, 255 -> addresses(question.name(), healthy); // A, and ANY as Consul: the addresses
            case 33 -> services(question.name(), healthy); // SRV
            default -> noData(); // AAAA among them: the overlay is IPv4
        };
    }

    private record Lookup(String service, String tag, String protocol) {
        boolean matches(ServiceInstance instance) {
            return instance.service().equalsIgnoreCase(service)
                    && (tag == null || instance.tags().stream().anyMatch(tag::equalsIgnoreCase))
                    && (protocol == null || instance.protocol().equalsIgnoreCase(protocol));
        }
    }

    private Answer addresses(String name, List<ServiceInstance> healthy) {
        Set<InetAddress> distinct = new LinkedHashSet<>();
        healthy.forEach(i -> distinct.add(i.address()));
        List<InetAddress> order = new ArrayList<>(distinct);
        Collections.shuffle(order, random);
        List<DnsRecord> records = order.stream().map(address -> a(name, address)).toList();
        return new Answer(DnsResponseCode.NOERROR, true, records, List.of(), List.of());
    }

    private Answer services(String name, List<ServiceInstance> healthy) {
        record Target(InetAddress address, int port) {}
        Set<Target> distinct = new LinkedHashSet<>();
        healthy.forEach(i -> distinct.add(new Target(i.address(), i.port())));
        List<Target> order = new ArrayList<>(distinct);
        Collections.shuffle(order, random);
        List<DnsRecord> answers = new ArrayList<>();
        Set<InetAddress> glued = new LinkedHashSet<>();
        List<DnsRecord> additional = new ArrayList<>();
        for (Target target : order) {
            String host = HEX.formatHex(target.address().getAddress()) + ".addr." + apex;
            answers.add(srv(name, target.port(), host));
            if (glued.add(target.address())) {
                additional.add(a(host, target.address()));
            }
        }
        return new Answer(DnsResponseCode.NOERROR, true, answers, List.of(), additional);
    }

    private Answer address(DnsQuestion question, DnsRecordType type, List<String> below) {
        if (below.isEmpty()) {
            return noData();
        }
        if (below.size() != 1 || below.getFirst().length() != 8 || !below.getFirst().chars().allMatch(HexFormat::isHexDigit)) {
            return nxdomain();
        }
        if (type != DnsRecordType.A && type != DnsRecordType.ANY) {
            return noData();
        }
        try {
            InetAddress address = InetAddress.getByAddress(HEX.parseHex(below.getFirst()));
            return new Answer(DnsResponseCode.NOERROR, true, List.of(a(question.name(), address)), List.of(), List.of());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }

    private Answer noData() {
        return new Answer(DnsResponseCode.NOERROR, true, List.of(), List.of(soa()), List.of());
    }

    private Answer nxdomain() {
        return new Answer(DnsResponseCode.NXDOMAIN, true, List.of(), List.of(soa()), List.of());
    }

    private DnsRecord a(String name, InetAddress address) {
        return new DefaultDnsRawRecord(name, DnsRecordType.A, ttl, Unpooled.wrappedBuffer(address.getAddress()));
    }

    private DnsRecord srv(String name, int port, String target) {
        ByteBuf data = Unpooled.buffer(6 + target.length() + 2);
        data.writeShort(SRV_PRIORITY).writeShort(SRV_WEIGHT).writeShort(port);
        RdataNames.write(target, data);
        return new DefaultDnsRawRecord(name, DnsRecordType.SRV, ttl, data);
    }

    /** The zone's SOA, for negative answers: its minimum, the negative caching TTL, is the TTL (RFC 2308). */
    private DnsRecord soa() {
        ByteBuf data = Unpooled.buffer();
        RdataNames.write("ns." + apex, data);
        RdataNames.write("hostmaster." + apex, data);
        data.writeInt(1).writeInt(SOA_REFRESH).writeInt(SOA_RETRY).writeInt(SOA_EXPIRE).writeInt((int) ttl);
        return new DefaultDnsRawRecord(apex, DnsRecordType.SOA, ttl, data);
    }
}
