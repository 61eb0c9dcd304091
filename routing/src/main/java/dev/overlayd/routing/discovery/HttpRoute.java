package dev.overlayd.routing.discovery;

import java.util.Objects;

/**
 * Requests an instance takes from the edge proxy: those for {@code host} (null: any host) whose path
 * starts with {@code path} (a path prefix that begins with {@code /}, matched on whole segments).
 * A container asks for them with its {@code overlayd.http.*} labels.
 */
public record HttpRoute(String host, String path) {
    public HttpRoute {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a route's path begins with /: " + path);
        }
    }
}
