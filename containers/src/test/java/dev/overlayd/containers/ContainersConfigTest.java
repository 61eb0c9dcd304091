package dev.overlayd.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.overlayd.containers.attach.AttachMode;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginProvider;
import org.junit.jupiter.api.Test;

class ContainersConfigTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The section of an overlay.yaml, as the node hands it to the provider (null when absent). */
    private static JsonNode section(String yaml) throws IOException {
        return YAML.readTree(yaml).get("containers");
    }

    private static PluginProvider provider() {
        return ServiceLoader.load(PluginProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.section().equals("containers")).findFirst().orElseThrow();
    }

    @Test
    void theNodeFindsThePluginAndNoSectionMeansOff() throws Exception {
        assertNull(provider().create(section("name: node1\n")));
        ContainersPlugin defaults = assertInstanceOf(ContainersPlugin.class, provider().create(section("containers: {}\n")));
        assertEquals(ContainersConfig.DEFAULTS, defaults.config());
        assertEquals(ContainersConfig.DEFAULTS, ContainersConfig.parse(section("containers:\n")));
        assertEquals(new ContainersConfig(AttachMode.ALL, "overlay", Path.of("/var/run/docker.sock")), ContainersConfig.DEFAULTS);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        assertEquals(new ContainersConfig(AttachMode.LABELLED, "mesh", Path.of("/run/docker.sock")), ContainersConfig.parse(
                section("containers:\n  attach: labelled\n  network: mesh\n  docker: unix:///run/docker.sock\n")));
    }

    @Test
    void badValuesAreRefusedNamingTheKey() throws IOException {
        for (var bad : List.of(
                List.of("containers: {attach: some}", "containers.attach"),
                List.of("containers: {attach: [all]}", "containers.attach"),
                List.of("containers: {network: '-x'}", "containers.network"),
                List.of("containers: {network: 'a b'}", "containers.network"),
                List.of("containers: {docker: tcp://127.0.0.1:2375}", "containers.docker"),
                List.of("containers: {dokcer: unix:///x}", "containers.dokcer"),
                List.of("containers: all", "containers:"))) {
            PluginConfigException e = assertThrows(PluginConfigException.class, () -> provider().create(section(bad.get(0))), bad.get(0));
            assertTrue(e.getMessage().startsWith(bad.get(1)), e.getMessage());
        }
    }
}
