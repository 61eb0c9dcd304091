package dev.overlayd.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import dev.overlayd.containers.attach.AddressAllocator;
import dev.overlayd.containers.attach.AttachAgent;
import dev.overlayd.containers.attach.AttachPolicy;
import dev.overlayd.containers.attach.OverlayNetwork;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.containers.driver.Driver;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginContext;
import io.micrometer.core.instrument.Gauge;

/**
 * Containers on the overlay: overlayd's Docker network driver, and the agent that connects this
 * host's containers to the network it serves. The driver starts first, so that dockerd finds it
 * when the agent makes the network (and when dockerd restarts); its socket is also the
 * authorization plugin that holds each container's start until the agent is done with it.
 * {@code overlayctl containers} shows what the agent did, and {@code overlayd_containers{state}} counts it.
 */
public final class ContainersPlugin implements Plugin {
    private final ContainersConfig config;
    private Driver driver;
    private AttachAgent agent;

    public ContainersPlugin(ContainersConfig config) {
        this.config = config;
    }

    public ContainersConfig config() {
        return config;
    }

    @Override
    public void start(PluginContext context) throws IOException {
        NodeIdentity self = context.self();
        if (self.containerSubnet() == null) {
            throw new IOException("containers: node " + self.name() + " has no container subnet in its certificate,"
                    + " so its containers have no addresses: issue it a certificate with one, or remove the containers section");
        }
        Path state = context.stateDirectory();
        try {
            Files.createDirectories(state.resolve("agent"));
            AddressAllocator allocator = new AddressAllocator(self.containerSubnet(), self.address(),
                    state.resolve("agent").resolve("allocations.json"));
            agent = new AttachAgent(new DockerClient(config.docker()), new AttachPolicy(config.attach()),
                    new OverlayNetwork(config.network(), Driver.NAME, self.containerSubnet(), self.address()),
                    allocator, Clock.systemUTC());
            // The agent is made first (it does nothing until started): the socket's starts wait for it.
            driver = Driver.start(Driver.DEFAULT_SOCKET, state.resolve("driver"), self, context::mtu, agent::ready);
            agent.start();
            context.addCommand("containers", argument -> agent.status());
            AttachAgent attaching = agent;
            Gauge.builder("overlayd.containers", attaching::attachedCount).tag("state", "attached")
                    .description("This host's containers on the overlay (attached) and left off it (skipped)")
                    .register(context.metrics());
            Gauge.builder("overlayd.containers", attaching::skippedCount).tag("state", "skipped")
                    .description("This host's containers on the overlay (attached) and left off it (skipped)")
                    .register(context.metrics());
            context.provide(ContainerPorts.class, driver);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
        if (driver != null) {
            driver.close();
            driver = null;
        }
    }
}
