package dev.overlayd.routing.discovery;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The requests a container asks the edge proxy for, by its labels (labels only: the environment is
 * the application's):
 * <pre>
 * overlayd.http.host=api.example.com,www.example.com   # the Host names it serves (lowercased); absent: any host
 * overlayd.http.path=/v1                               # a path prefix, on whole segments; default /
 * overlayd.http.port=8080                              # the container port taking them; default: its only TCP port
 * </pre>
 * Any {@code overlayd.http.*} label makes a container routed (an empty value is the default); one
 * route per host, each with the path. The port must be one the container exposes over TCP, and is
 * required when it exposes several. A value that cannot be meant (a host that is no DNS name, a
 * path not beginning with {@code /} or holding what a URL path cannot, a port not exposed, a key
 * other than these three) refuses the routing, with a reason, and only the routing: the ports still
 * register for DNS. A trailing {@code /} of the path, and a trailing {@code .} of a host, are dropped.
 */
final class HttpLabels {
    static final String PREFIX = "overlayd.http.";
    static final String HOST = PREFIX + "host";
    static final String PATH = PREFIX + "path";
    static final String PORT = PREFIX + "port";

    /** LDH labels of 1 to 63 characters, neither end a '-'; 253 characters in all. IPv4 literals pass too. */
    private static final Pattern HOST_NAME =
            Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    /**
     * RFC 3986's path characters: unreserved, sub-delims, ':', '@', '/' and '%', which must begin a
     * percent-encoding. A character class and a search, not a repeated group, which would recurse
     * once per character and overflow the stack on a long label.
     */
    private static final Pattern PATH_CHARS = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@/%-]*");
    private static final Pattern BAD_PERCENT = Pattern.compile("%(?![0-9A-Fa-f]{2})");

    /** What the labels ask. */
    sealed interface Asked {}

    /** No {@code overlayd.http.*} label: not routed. */
    record NotRouted() implements Asked {}

    /** Requests matching {@code routes} go to container port {@code port} (TCP). */
    record Routed(int port, List<HttpRoute> routes) implements Asked {
        Routed {
            routes = List.copyOf(routes);
        }
    }

    /** The labels cannot be followed: {@code port} the one they concern ("8080/tcp") or null, and why. */
    record Refusal(String port, String reason) implements Asked {}

    private HttpLabels() {}

    /** What {@code labels} ask of a container exposing {@code tcpPorts} over TCP. Never throws. */
    static Asked read(Map<String, String> labels, Set<Integer> tcpPorts) {
        Map<String, String> asked = new TreeMap<>();
        labels.forEach((key, value) -> {
            if (key.startsWith(PREFIX)) {
                asked.put(key, value == null ? "" : value.strip());
            }
        });
        if (asked.isEmpty()) {
            return new NotRouted();
        }
        for (String key : asked.keySet()) {
            if (!List.of(HOST, PATH, PORT).contains(key)) {
                return new Refusal(null, "unknown label " + ServiceNaming.quote(key) + ": the routing labels are "
                        + HOST + ", " + PATH + " and " + PORT);
            }
        }
        String portText = asked.getOrDefault(PORT, "");
        int port;
        if (portText.isEmpty()) {
            if (tcpPorts.size() != 1) {
                return new Refusal(null, tcpPorts.isEmpty() ? "it exposes no TCP port to send requests to"
                        : "it exposes several TCP ports (" + sorted(tcpPorts) + "): say which takes the requests with " + PORT);
            }
            port = tcpPorts.iterator().next();
        } else {
            String digits = portText.endsWith("/tcp") ? portText.substring(0, portText.length() - 4) : portText;
            port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : -1;
            if (!tcpPorts.contains(port)) {
                return new Refusal(null, PORT + "=" + ServiceNaming.quote(portText) + " is not a TCP port it exposes ("
                        + (tcpPorts.isEmpty() ? "none" : sorted(tcpPorts)) + ")");
            }
        }
        String written = port + "/tcp";
        String path = asked.getOrDefault(PATH, "");
        if (path.isEmpty()) {
            path = "/";
        }
        if (!path.startsWith("/")) {
            return new Refusal(written, PATH + "=" + ServiceNaming.quote(path) + " does not begin with /");
        }
        if (!PATH_CHARS.matcher(path).matches() || BAD_PERCENT.matcher(path).find() || hasDotSegment(path)) {
            return new Refusal(written, PATH + "=" + ServiceNaming.quote(path) + " is not a URL path prefix (no spaces,"
                    + " ?, # or . and .. segments; other characters percent-encoded)");
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Set<String> hosts = new LinkedHashSet<>();
        for (String part : asked.getOrDefault(HOST, "").split(",")) {
            String given = part.strip();
            if (given.isEmpty()) {
                continue;
            }
            String host = given.toLowerCase(Locale.ROOT);
            host = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            if (!HOST_NAME.matcher(host).matches()) {
                return new Refusal(written, HOST + ": " + ServiceNaming.quote(given)
                        + " is not a host name (letters, digits and '-', dot-separated)");
            }
            hosts.add(host);
        }
        List<HttpRoute> routes = new ArrayList<>();
        if (hosts.isEmpty()) {
            routes.add(new HttpRoute(null, path));
        }
        for (String host : hosts) {
            routes.add(new HttpRoute(host, path));
        }
        return new Routed(port, routes);
    }

    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static String sorted(Set<Integer> ports) {
        return String.join(", ", ports.stream().sorted().map(p -> p + "/tcp").toList());
    }
}
