package dev.overlayd.containers.driver;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a request to dockerd, as an authorization request gives it (method and URI), is the
 * start of a container: {@code POST /containers/{id or name}/start}, with or without the API
 * version in front ({@code /v1.41/...}), whatever the query string (detachKeys, checkpoint).
 */
final class ContainerStart {
    private static final Pattern START = Pattern.compile("(?:/v[0-9.]+)?/containers/([^/?#]+)/start");

    private ContainerStart() {}

    /** The container's id or name, as the URI has it; empty for any other request. */
    static Optional<String> of(String method, String uri) {
        if (!"POST".equals(method) || uri == null) {
            return Optional.empty();
        }
        int query = uri.indexOf('?');
        Matcher m = START.matcher(query < 0 ? uri : uri.substring(0, query));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
