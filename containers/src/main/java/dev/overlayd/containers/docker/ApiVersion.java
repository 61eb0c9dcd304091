package dev.overlayd.containers.docker;

/**
 * A Docker Engine API version such as 1.41. The client speaks {@link #NEWEST} and anything down to
 * {@link #OLDEST}: 1.25 (Docker 1.13) is where /_ping began to report the daemon's version, and
 * everything this client uses (IPAM config on create, EndpointConfig on connect, JSON event filters)
 * is older than that.
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** Debian's Docker 20.10 speaks 1.41; newer fields are not needed, so newer daemons are spoken to as 1.41. */
    public static final ApiVersion NEWEST = new ApiVersion(1, 41);
    public static final ApiVersion OLDEST = new ApiVersion(1, 25);

    /** "1.41" → 1.41; anything else is an {@link IllegalArgumentException} quoting it. */
    public static ApiVersion parse(String text) {
        String s = text == null ? "" : text.strip();
        int dot = s.indexOf('.');
        try {
            if (dot > 0) {
                return new ApiVersion(Integer.parseInt(s.substring(0, dot)), Integer.parseInt(s.substring(dot + 1)));
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal below
        }
        throw new IllegalArgumentException("not a Docker API version: '" + text + "'");
    }

    /** The version to speak to a daemon that offers {@code daemon}, or empty when it is older than {@link #OLDEST}. */
    public static java.util.Optional<ApiVersion> negotiate(ApiVersion daemon) {
        if (daemon.compareTo(OLDEST) < 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(daemon.compareTo(NEWEST) < 0 ? daemon : NEWEST);
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
