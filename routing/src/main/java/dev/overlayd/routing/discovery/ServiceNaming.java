package dev.overlayd.routing.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import dev.overlayd.containers.docker.ContainerInfo;

/**
 * Which services a container offers, by the conventions its owners already use. Each exposed port
 * (Config.ExposedPorts, "8080/tcp") is one service instance, named, in this order, by registrator's
 * {@code SERVICE_<port>_NAME}, then {@code SERVICE_NAME}, then the ECS agent's labels (the task
 * definition's family, or family-container when the container's name differs), then the image's
 * base name ({@code registry:5000/team/web:1.2} is {@code web}); with several ports, a name not
 * given for its port gets {@code -<port>} appended, as registrator does. Tags come from
 * {@code SERVICE_<port>_TAGS} or else {@code SERVICE_TAGS} (comma-separated); {@code SERVICE_IGNORE}
 * leaves the container out, {@code SERVICE_<port>_IGNORE} a port ("false" and "0" do not).
 * Each of these is a label or an environment variable, the label winning; an empty one is unset,
 * and what follows {@code SERVICE_} may be in any case. Names and tags are made DNS labels (see
 * {@link #label}).
 *
 * <p>The edge proxy's routes come from {@code overlayd.http.*} labels (see {@link HttpLabels}):
 * {@code overlayd.http.host} (one host or a comma-separated list; absent: any host),
 * {@code overlayd.http.path} (a path prefix, default {@code /}) and {@code overlayd.http.port} (the
 * port taking the requests; needed only when the container exposes several TCP ports). The routed
 * port's offer carries one {@link HttpRoute} per host; labels that cannot be followed are a
 * refusal beginning "not routed: " for that port (or the container), and the ports register for
 * DNS all the same.
 *
 * <p>Pure: whatever the container says, the answer is a plan, never an exception.
 */
public final class ServiceNaming {
    static final String ECS_FAMILY = "com.amazonaws.ecs.task-definition-family";
    static final String ECS_CONTAINER = "com.amazonaws.ecs.container-name";
    private static final String PREFIX = "SERVICE_";
    private static final int MAX_LABEL = 63;
    /** How a refusal of the routing alone begins: the port still registers. */
    static final String NOT_ROUTED = "not routed: ";

    /** A port that is offered: its service name and tags, both DNS labels, and the requests the edge proxy sends it. */
    public record Offered(int port, String protocol, String service, List<String> tags, List<HttpRoute> http) {
        public Offered {
            tags = List.copyOf(tags);
            http = List.copyOf(http);
        }
    }

    /**
     * What is left out and why: one port as Docker writes it ("8080/tcp"), or the whole container
     * (null); left out of routing alone when the reason begins with {@link #NOT_ROUTED}.
     */
    public record Refused(String port, String reason) {}

    public record Plan(List<Offered> offered, List<Refused> refused) {
        public Plan {
            offered = List.copyOf(offered);
            refused = List.copyOf(refused);
        }

        static Plan refuse(String reason) {
            return new Plan(List.of(), List.of(new Refused(null, reason)));
        }
    }

    private record Setting(String key, String value, boolean perPort) {}

    private record Port(String written, int number, String protocol) {}

    private ServiceNaming() {}

    public static Plan plan(ContainerInfo container) {
        Map<String, String> labels = settings(container.labels());
        Map<String, String> env = settings(container.env());
        Optional<Setting> ignore = find(labels, env, null, "IGNORE");
        if (ignore.isPresent() && ignores(ignore.get())) {
            return Plan.refuse("ignored: " + ignore.get().key() + "=" + quote(ignore.get().value()));
        }
        if (container.exposedPorts().isEmpty()) {
            return Plan.refuse("exposes no port: give it the ports it serves on (docker run --expose 8080, EXPOSE in"
                    + " its Dockerfile, or -p), or SERVICE_IGNORE=true to say it offers none");
        }
        boolean several = container.exposedPorts().size() > 1;
        List<Offered> offered = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        List<Port> ports = new ArrayList<>();
        for (String written : container.exposedPorts()) {
            Optional<Port> port = port(written);
            if (port.isEmpty()) {
                refused.add(new Refused(written, "not a port Docker exposes (NUMBER/tcp, /udp or /sctp)"));
            } else {
                ports.add(port.get());
            }
        }
        ports.sort(Comparator.comparingInt(Port::number).thenComparing(Port::protocol));
        for (Port port : ports) {
            String number = Integer.toString(port.number());
            Optional<Setting> portIgnore = find(labels, env, number, "IGNORE").filter(Setting::perPort);
            if (portIgnore.isPresent() && ignores(portIgnore.get())) {
                refused.add(new Refused(port.written(), "ignored: " + portIgnore.get().key() + "="
                        + quote(portIgnore.get().value())));
                continue;
            }
            Optional<Setting> named = find(labels, env, number, "NAME");
            String given = named.map(Setting::value).or(() -> ecsName(container.labels()))
                    .or(() -> imageName(container.image())).orElse(null);
            if (given == null) {
                refused.add(new Refused(port.written(), "no name: image " + quote(container.image())
                        + " has none to take, set SERVICE_NAME"));
                continue;
            }
            String suffix = several && !named.map(Setting::perPort).orElse(false) ? "-" + number : "";
            String base = label(given, MAX_LABEL - suffix.length());
            if (base.isEmpty()) {
                refused.add(new Refused(port.written(), "name " + quote(given) + " has nothing a DNS label keeps"
                        + " (a-z, 0-9, '-'): set SERVICE_NAME"));
                continue;
            }
            offered.add(new Offered(port.number(), port.protocol(), base + suffix,
                    find(labels, env, number, "TAGS").map(s -> tags(s.value())).orElse(List.of()), List.of()));
        }
        route(container.labels(), ports, offered, refused);
        return new Plan(offered, refused);
    }

    /** The {@link HttpLabels} followed: the routed port's offer given its routes, or the refusal said. */
    private static void route(Map<String, String> labels, List<Port> ports, List<Offered> offered, List<Refused> refused) {
        Set<Integer> tcp = new TreeSet<>();
        ports.stream().filter(p -> p.protocol().equals("tcp")).forEach(p -> tcp.add(p.number()));
        switch (HttpLabels.read(labels, tcp)) {
            case HttpLabels.NotRouted none -> { }
            case HttpLabels.Refusal r -> refused.add(new Refused(r.port(), NOT_ROUTED + r.reason()));
            case HttpLabels.Routed r -> {
                for (int i = 0; i < offered.size(); i++) {
                    Offered o = offered.get(i);
                    if (o.port() == r.port() && o.protocol().equals("tcp")) {
                        offered.set(i, new Offered(o.port(), o.protocol(), o.service(), o.tags(), r.routes()));
                        return;
                    }
                }
                refused.add(new Refused(r.port() + "/tcp", NOT_ROUTED + "the port it names is not registered either"));
            }
        }
    }

    /**
     * {@code text} as a DNS label of at most {@code max} characters: lowercase, every character but
     * a-z and 0-9 made '-', none at either end; empty when nothing is left.
     */
    static String label(String text, int max) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lower.length() && out.length() <= max; i++) {
            char c = lower.charAt(i);
            boolean kept = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (kept || out.length() > 0) {
                out.append(kept ? c : '-');
            }
        }
        if (out.length() > max) {
            out.setLength(max);
        }
        while (out.length() > 0 && out.charAt(out.length() - 1) == '-') {
            out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    /** The SERVICE_ settings of labels or environment, by what follows the prefix, in upper case. */
    private static Map<String, String> settings(Map<String, String> source) {
        Map<String, String> settings = new TreeMap<>();
        // Sorted first, so that two keys differing in case always resolve the same way.
        new TreeMap<>(source).forEach((key, value) -> {
            if (key.startsWith(PREFIX) && value != null && !value.isBlank()) {
                settings.putIfAbsent(key.substring(PREFIX.length()).toUpperCase(Locale.ROOT), value.strip());
            }
        });
        return settings;
    }

    /** SERVICE_<port>_<what> (label, then env), then SERVICE_<what> (label, then env); port null: only the latter. */
    private static Optional<Setting> find(Map<String, String> labels, Map<String, String> env, String port, String what) {
        for (String key : port == null ? List.of(what) : List.of(port + "_" + what, what)) {
            for (Map<String, String> source : List.of(labels, env)) {
                String value = source.get(key);
                if (value != null) {
                    return Optional.of(new Setting(PREFIX + key, value, !key.equals(what)));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean ignores(Setting setting) {
        String value = setting.value().toLowerCase(Locale.ROOT);
        return !value.equals("false") && !value.equals("0");
    }

    private static Optional<String> ecsName(Map<String, String> labels) {
        String family = labels.getOrDefault(ECS_FAMILY, "").strip();
        if (family.isEmpty()) {
            return Optional.empty();
        }
        String container = labels.getOrDefault(ECS_CONTAINER, "").strip();
        return Optional.of(container.isEmpty() || container.equals(family) ? family : family + "-" + container);
    }

    /** registry:5000/team/web:1.2@sha256:... is web; an image run by its id has no name. */
    private static Optional<String> imageName(String image) {
        String ref = image.strip();
        int digest = ref.indexOf('@');
        if (digest >= 0) {
            ref = ref.substring(0, digest);
        }
        if (ref.startsWith("sha256:")) {
            return Optional.empty();
        }
        ref = ref.substring(ref.lastIndexOf('/') + 1);
        int tag = ref.indexOf(':');
        if (tag >= 0) {
            ref = ref.substring(0, tag);
        }
        return ref.isEmpty() ? Optional.empty() : Optional.of(ref);
    }

    private static List<String> tags(String text) {
        LinkedHashSet<String> tags = new LinkedHashSet<>();
        for (String tag : text.split(",")) {
            String kept = label(tag, MAX_LABEL);
            if (!kept.isEmpty()) {
                tags.add(kept);
            }
        }
        return List.copyOf(tags);
    }

    private static Optional<Port> port(String written) {
        int slash = written.indexOf('/');
        if (slash <= 0 || slash > 5) {
            return Optional.empty();
        }
        String protocol = written.substring(slash + 1);
        if (!List.of("tcp", "udp", "sctp").contains(protocol)) {
            return Optional.empty();
        }
        String digits = written.substring(0, slash);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        int number = Integer.parseInt(digits);
        return number >= 1 && number <= 65535 ? Optional.of(new Port(written, number, protocol)) : Optional.empty();
    }

    /** Quoted, and cut, so that a huge or odd value never floods a reason or a log line. */
    static String quote(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        StringBuilder out = new StringBuilder("'");
        cut.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f ? "?" : Character.toString(c)));
        return out.append("'").toString();
    }
}
