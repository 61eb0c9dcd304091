package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.testing.DockerHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Service discovery across three nodes, of which only the first runs a dockerd: its containers'
 * services are answered by every node's DNS server, reachable at the answered addresses, gone
 * everywhere when they stop, unanswered while unhealthy, and gone with their node when it is
 * killed. The same for each membership backend (the subclasses); the hosts are made once per class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ServicesTest {
    static final Duration CONVERGE = DiscoveryHosts.CONVERGE;
    static final int NODES = 3;

    Cluster cluster;
    private DiscoveryHosts hosts;
    private DockerHost d1;

    /** The cluster with its hosts added (not started), each host's overlay.yaml in order. */
    abstract List<Path> hosts(Cluster cluster) throws Exception;

    abstract Path dir();

    @BeforeAll
    void startThreeNodesOneWithDocker() throws Exception {
        cluster = new Cluster(dir());
        hosts = DiscoveryHosts.start(cluster, hosts(cluster), 1, n -> "");
        d1 = hosts.docker(1);
    }

    @AfterAll
    void removeEverything() throws Exception {
        if (hosts != null) {
            hosts.close();
        } else if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aServiceStartedOnOneNodeIsAnsweredByEveryNodeReachableThereAndGoneEverywhereWhenItStops() throws Exception {
        d1.docker("run", "-d", "--init", "--name", "web-1", "--label", "SERVICE_NAME=web", "--expose", "8080",
                DockerHost.IMAGE, "sh", "-c", "echo web-1 > /index.html && httpd -f -p 8080 -h /");
        String address = overlayAddress("web-1");
        for (int n = 2; n <= NODES; n++) {
            awaitAnswer(n, "web.service.overlay", Set.of(address));
        }
        assertEquals("web-1", cluster.exec(3, "busybox", "wget", "-q", "-O", "-", "http://" + address + ":8080/index.html").strip(),
                "reachable over the overlay at the address node 3 answered");
        String srv = lookup(2, "-type=SRV", "web.service.overlay");
        assertTrue(srv.contains("8080"), "SRV answers carry the port:\n" + srv);

        // A container whose only DNS server is its node's: names of the cluster resolve in it.
        String inContainer = d1.docker("run", "--rm", "--dns", cluster.overlay(1), DockerHost.IMAGE,
                "nslookup", "web.service.overlay");
        assertTrue(inContainer.contains(address), inContainer);

        JsonNode services = services(2, "web");
        JsonNode instance = services.get(0).path("services").get(0).path("instances").get(0);
        assertEquals("h1", instance.path("node").asText(), services.toPrettyString());
        assertEquals(address, instance.path("address").asText());
        assertEquals(8080, instance.path("port").asInt());
        assertEquals("passing", instance.path("health").asText());
        String table = Cluster.overlayctl("services", "-i", cluster.iface(3));
        assertTrue(table.contains("web") && table.contains(address + ":8080") && table.contains("h1"), table);

        d1.docker("stop", "-t", "1", "web-1");
        for (int n = 1; n <= NODES; n++) {
            awaitAnswer(n, "web.service.overlay", Set.of());
        }
        d1.docker("rm", "-f", "web-1");
    }

    @Test
    @Order(2)
    void anUnhealthyInstanceStaysListedButIsNotAnswered() throws Exception {
        for (String name : List.of("api-1", "api-2")) {
            d1.docker("run", "-d", "--init", "--name", name, "--label", "SERVICE_NAME=api", "--label", "SERVICE_TAGS=v2",
                    "--expose", "9000", "--health-cmd", "test -f /ok", "--health-interval", "1s", "--health-retries", "1",
                    DockerHost.IMAGE, "sh", "-c", "touch /ok && sleep 3600");
        }
        String a1 = overlayAddress("api-1");
        String a2 = overlayAddress("api-2");
        awaitAnswer(3, "api.service.overlay", Set.of(a1, a2));
        awaitAnswer(3, "v2.api.service.overlay", Set.of(a1, a2));
        d1.docker("exec", "api-1", "rm", "/ok");
        awaitAnswer(3, "api.service.overlay", Set.of(a2));
        JsonNode services = services(3, "api");
        List<String> health = new ArrayList<>();
        for (JsonNode i : services.get(0).path("services").get(0).path("instances")) {
            health.add(i.path("address").asText() + " " + i.path("health").asText());
        }
        assertEquals(new TreeSet<>(List.of(a1 + " unhealthy", a2 + " passing")), new TreeSet<>(health),
                services.toPrettyString());
        d1.docker("rm", "-f", "api-1", "api-2");
        awaitAnswer(3, "api.service.overlay", Set.of());
    }

    @Test
    @Order(3)
    void aKilledNodeTakesItsServicesWithItAndBringsThemBackWhenItRestarts() throws Exception {
        d1.docker("run", "-d", "--init", "--name", "db-1", "--label", "SERVICE_NAME=db", "--expose", "5432",
                DockerHost.IMAGE, "sleep", "3600");
        String address = overlayAddress("db-1");
        awaitAnswer(3, "db.service.overlay", Set.of(address));
        cluster.stop(1, "KILL");
        // After the membership TTL: no ghost of a node that is gone.
        awaitAnswer(3, "db.service.overlay", Set.of());
        awaitAnswer(2, "db.service.overlay", Set.of());
        hosts.start(1);
        awaitAnswer(3, "db.service.overlay", Set.of(address));
        d1.docker("rm", "-f", "db-1");
        awaitAnswer(3, "db.service.overlay", Set.of());
    }

    private String overlayAddress(String container) throws Exception {
        return hosts.overlayAddress(1, container);
    }

    /** busybox's nslookup, in host {@code n}'s namespace, asking that node's own DNS server. */
    private String lookup(int n, String... query) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", cluster.iface(n), "busybox", "nslookup"));
        command.addAll(List.of(query));
        command.add(cluster.overlay(n));
        return Sh.run(command, 20).output();
    }

    /** Waits until node {@code n} answers {@code name} with exactly these addresses (none: NXDOMAIN). */
    private void awaitAnswer(int n, String name, Set<String> addresses) throws Exception {
        String[] last = new String[1];
        Await.until("node " + n + " to answer " + name + " with " + addresses, CONVERGE, () -> {
            last[0] = lookup(n, "-type=A", name);
            Set<String> answered = new TreeSet<>();
            boolean inAnswer = false;
            for (String line : last[0].lines().toList()) {
                if (line.startsWith("Name:")) {
                    inAnswer = true;
                } else if (inAnswer && line.startsWith("Address:")) {
                    answered.add(line.substring("Address:".length()).strip());
                }
            }
            return answered.equals(new TreeSet<>(addresses))
                    && (!addresses.isEmpty() || last[0].contains("NXDOMAIN") || last[0].contains("can't find"));
        }, () -> last[0] + "\n" + cluster.logText(n));
    }

    private JsonNode services(int n, String name) throws Exception {
        return hosts.services(n, name);
    }
}
