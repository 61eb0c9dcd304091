package dev.overlayd.containers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import com.google.common.net.InetAddresses;
import dev.overlayd.node.plugin.FakePluginContext;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainersPluginTest {
    @TempDir
    Path state;

    @Test
    void aNodeWithoutAContainerSubnetIsRefusedBeforeAnythingStarts() {
        NodeIdentity self = new NodeIdentity("node1", InetAddresses.forString("100.64.0.1"), null, List.of(),
                IpPrefix.parse("100.64.0.0/10"), "wg0");
        FakePluginContext context = new FakePluginContext(self, state);
        ContainersPlugin plugin = new ContainersPlugin(ContainersConfig.DEFAULTS);
        IOException e = assertThrows(IOException.class, () -> plugin.start(context));
        assertTrue(e.getMessage().contains("node1 has no container subnet"), e.getMessage());
        plugin.close();
    }
}
