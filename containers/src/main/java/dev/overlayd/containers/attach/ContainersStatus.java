package dev.overlayd.containers.attach;

import java.util.List;

/**
 * What `overlayctl containers` shows: the overlay's Docker network, the agent's link to dockerd,
 * the containers attached (with their overlay address and Docker state) and those skipped, with
 * why. Times are epoch seconds.
 */
public record ContainersStatus(String network, String subnet, String docker, List<Attached> attached, List<Skipped> skipped) {
    public ContainersStatus {
        attached = List.copyOf(attached);
        skipped = List.copyOf(skipped);
    }

    /** {@code address} is null for a container connected to the overlay by hand without an address of ours yet. */
    public record Attached(String name, String id, String address, String state, long since) {}

    public record Skipped(String name, String id, String reason, long since) {}
}
