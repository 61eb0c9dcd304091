package dev.overlayd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.DockerHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Cluster nodes with service discovery, the first few with a real dockerd each whose containers
 * their node attaches to the overlay (network plugin and authorization plugin) and registers; the
 * others only follow the catalog. Every node answers DNS with no resolver to forward to, so test
 * traffic stays in the test's namespaces. {@link #close()} removes the dockerds while their
 * plugins still answer, then the cluster.
 */
final class DiscoveryHosts implements AutoCloseable {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    final Cluster cluster;
    private final List<Path> yaml;
    /** Host n's dockerd at n - 1; null for a host without. */
    private final List<DockerHost> docker = new ArrayList<>();

    private DiscoveryHosts(Cluster cluster, List<Path> yaml) {
        this.cluster = cluster;
        this.yaml = List.copyOf(yaml);
    }

    /**
     * Starts the hosts already added to {@code cluster} (their overlay.yaml files in order), hosts
     * 1 to {@code withDocker} with a dockerd (Docker's bridge 198.19.N.1/24), each with
     * {@code more.apply(n)} appended to its overlay.yaml; returns once every node has every other
     * as its peer and each dockerd asks its node's authorization.
     */
    static DiscoveryHosts start(Cluster cluster, List<Path> yaml, int withDocker, IntFunction<String> more) throws Exception {
        DiscoveryHosts hosts = new DiscoveryHosts(cluster, yaml);
        try {
            for (int n = 1; n <= yaml.size(); n++) {
                DockerHost d = n > withDocker ? null
                        : DockerHost.start(cluster.iface(n), cluster.iface(n), cluster.dir.resolve("docker" + n), "198.19." + n + ".1/24");
                hosts.docker.add(d);
                String section = d == null ? "discovery:\n  docker: off\n  dns: {forward: []}\n"
                        : "containers:\n  docker: unix://" + d.socket() + "\n"
                        + "discovery:\n  docker: unix://" + d.socket() + "\n  dns: {forward: []}\n";
                Files.writeString(yaml.get(n - 1), section + more.apply(n), StandardOpenOption.APPEND);
            }
            for (int n = 1; n <= yaml.size(); n++) {
                hosts.start(n);
            }
            for (int n = 1; n <= yaml.size(); n++) {
                hosts.awaitPeers(n, yaml.size() - 1);
            }
            for (DockerHost d : hosts.docker) {
                if (d != null) {
                    // As operators are told to: once overlayd runs, dockerd takes it as its authorization plugin.
                    d.enableAuthorization("overlayd");
                }
            }
        } catch (Exception e) {
            try {
                hosts.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return hosts;
    }

    /** Host {@code n}'s dockerd. */
    DockerHost docker(int n) {
        DockerHost d = docker.get(n - 1);
        if (d == null) {
            throw new IllegalArgumentException("h" + n + " runs no dockerd");
        }
        return d;
    }

    /** Starts host {@code n}'s daemon (again), in its dockerd's namespaces when it has one. */
    void start(int n) throws Exception {
        DockerHost d = docker.get(n - 1);
        if (d == null) {
            cluster.start(n, yaml.get(n - 1));
        } else {
            cluster.start(n, yaml.get(n - 1), d.inside());
        }
    }

    /** The overlay address of {@code container} on host {@code n}, once it has one. */
    String overlayAddress(int n, String container) throws Exception {
        String[] found = new String[1];
        Await.until(container + " to have its overlay address", CONVERGE, () -> {
            found[0] = docker(n).docker("inspect", "-f",
                    "{{with index .NetworkSettings.Networks \"overlay\"}}{{.IPAddress}}{{end}}", container).strip();
            return !found[0].isEmpty();
        }, () -> cluster.logText(n));
        return found[0];
    }

    /** `overlayctl services NAME --json` on host {@code n}. */
    JsonNode services(int n, String name) throws Exception {
        return new ObjectMapper().readTree(Cluster.overlayctl("services", name, "-i", cluster.iface(n), "--json"));
    }

    void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        for (DockerHost d : docker.reversed()) {
            try {
                if (d != null) {
                    d.close();
                }
            } catch (Exception e) {
                failure = failure == null ? e : failure;
            }
        }
        cluster.close();
        if (failure != null) {
            throw failure;
        }
    }
}
