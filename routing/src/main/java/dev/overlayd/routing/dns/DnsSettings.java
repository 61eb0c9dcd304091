package dev.overlayd.routing.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the DNS server needs: where it listens (UDP and TCP, same port), the domain it answers
 * ({@code overlay} for {@code web.service.overlay}), the TTL of its answers (also the negative
 * caching TTL of its SOA), and the resolvers other names are forwarded to (none: they are refused).
 */
public record DnsSettings(InetSocketAddress listen, String domain, Duration ttl, List<InetSocketAddress> upstreams) {
    /** Short, as Consul's 0 s default is too short for stub caches and a minute hides changes too long. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    private static final Pattern DOMAIN = Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public DnsSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(ttl, "ttl");
        domain = domain(Objects.requireNonNull(domain, "domain"));
        if (ttl.isNegative() || ttl.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("the DNS TTL must be 0 s to 1 day, not " + ttl);
        }
        upstreams = List.copyOf(upstreams);
    }

    /**
     * {@code text} as a domain the server answers: lower case, without a final dot.
     *
     * @throws IllegalArgumentException when it is not a host name such as {@code overlay} or {@code svc.example.internal}
     */
    public static String domain(String text) {
        String domain = text.strip().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!DOMAIN.matcher(domain).matches() || domain.length() > 200) {
            throw new IllegalArgumentException("'" + domain + "' is not a DNS domain such as overlay or svc.example.internal");
        }
        return domain;
    }
}
