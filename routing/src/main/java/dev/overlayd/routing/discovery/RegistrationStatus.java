package dev.overlayd.routing.discovery;

import java.time.Instant;
import java.util.List;

/**
 * What the registration does on this node, for {@code overlayctl services}: its link to dockerd,
 * the instances it publishes, and what it leaves out with why: a whole container ({@code port}
 * null) or one of its ports ("8080/tcp"), since when.
 */
public record RegistrationStatus(String docker, List<ServiceInstance> instances, List<Skipped> skipped) {
    public RegistrationStatus {
        instances = List.copyOf(instances);
        skipped = List.copyOf(skipped);
    }

    public record Skipped(String container, String id, String port, String reason, Instant since) {}
}
