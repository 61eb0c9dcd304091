package dev.overlayd.containers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.containers.attach.AttachMode;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.node.plugin.PluginConfigException;

/**
 * The {@code containers:} section of overlay.yaml:
 * <pre>
 * containers:
 *   attach: all                      # or: labelled (only containers labelled dev.overlayd.attach=true)
 *   network: overlay                 # the Docker network overlayd makes (or adopts) on this host
 *   docker: unix:///var/run/docker.sock
 * </pre>
 * Every key is optional; {@code containers: {}} is all the defaults.
 */
public record ContainersConfig(AttachMode attach, String network, Path docker) {
    public static final ContainersConfig DEFAULTS = new ContainersConfig(AttachMode.ALL, "overlay", DockerClient.DEFAULT_SOCKET);
    private static final List<String> KEYS = List.of("attach", "network", "docker");
    /** Docker's own rule for network names. */
    private static final Pattern NETWORK_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    /** The section as written ({@code null} node: {@code containers:} with nothing under it, the defaults). */
    public static ContainersConfig parse(JsonNode section) throws PluginConfigException {
        if (section == null || section.isNull()) {
            return DEFAULTS;
        }
        if (!section.isObject()) {
            throw new PluginConfigException("containers: must be a map of attach, network, docker (or {} for the defaults)");
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : section.properties()) {
            if (!KEYS.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            throw new PluginConfigException("containers." + unknown.getFirst() + ": unknown key (known: " + String.join(", ", KEYS) + ")");
        }
        AttachMode attach = DEFAULTS.attach();
        String text = text(section, "attach");
        if (text != null) {
            attach = switch (text.toLowerCase(Locale.ROOT)) {
                case "all" -> AttachMode.ALL;
                case "labelled", "labeled" -> AttachMode.LABELLED;
                default -> throw new PluginConfigException("containers.attach: '" + text + "' is neither all nor labelled");
            };
        }
        String network = text(section, "network");
        if (network == null) {
            network = DEFAULTS.network();
        } else if (!NETWORK_NAME.matcher(network).matches() || network.length() > 64) {
            throw new PluginConfigException("containers.network: '" + network
                    + "' is not a Docker network name (letters, digits, _ . -, first a letter or digit)");
        }
        Path docker = DEFAULTS.docker();
        String host = text(section, "docker");
        if (host != null) {
            try {
                docker = DockerClient.socketOf(host);
            } catch (IllegalArgumentException e) {
                throw new PluginConfigException("containers.docker: " + e.getMessage());
            }
        }
        return new ContainersConfig(attach, network, docker);
    }

    private static String text(JsonNode section, String key) throws PluginConfigException {
        JsonNode value = section.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new PluginConfigException("containers." + key + ": must be a non-empty string, not " + value);
        }
        return value.asText().strip();
    }
}
