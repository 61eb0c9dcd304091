package dev.overlayd.containers.attach;

import java.util.Locale;
import java.util.Optional;
import dev.overlayd.containers.docker.ContainerInfo;

/**
 * Whether a container is to be attached to the overlay, sans I/O. A container that shares the host's
 * or another container's network stack, or has none by request, has no interface of its own to add
 * (Docker refuses the connect); the label {@value #LABEL} opts a container out ({@code false}) in
 * mode {@link AttachMode#ALL}, or in ({@code true}) in mode {@link AttachMode#LABELLED}.
 */
public final class AttachPolicy {
    public static final String LABEL = "dev.overlayd.attach";

    private final AttachMode mode;

    public AttachPolicy(AttachMode mode) {
        this.mode = mode;
    }

    /** Empty when the container is to be attached, else why not (shown to operators). */
    public Optional<String> skipReason(ContainerInfo container) {
        String networkMode = container.networkMode();
        if (networkMode.equals("host")) {
            return Optional.of("runs with --network host");
        }
        if (networkMode.equals("none")) {
            return Optional.of("runs with --network none");
        }
        if (networkMode.startsWith("container:")) {
            return Optional.of("shares the network of another container (--network container:)");
        }
        String label = container.labels().get(LABEL);
        String value = label == null ? null : label.strip().toLowerCase(Locale.ROOT);
        if (value != null && !value.equals("true") && !value.equals("false")) {
            return Optional.of("label " + LABEL + "=" + label + " is neither true nor false");
        }
        return switch (mode) {
            case ALL -> "false".equals(value) ? Optional.of("opted out by label " + LABEL + "=false") : Optional.empty();
            case LABELLED -> "true".equals(value) ? Optional.empty()
                    : Optional.of("not labelled " + LABEL + "=true (attach: labelled)");
        };
    }
}
