package dev.overlayd.node;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.node.plugin.PluginProvider;

/**
 * A plugin that writes what happens to it into the test's event list, configured by a section
 * with one key, {@code greeting} (a word). It serves `overlayctl SECTION` with its greeting.
 */
final class RecordingPlugin implements Plugin {
    final String section;
    final String greeting;
    private final List<String> events;
    volatile PluginContext context;

    RecordingPlugin(String section, String greeting, List<String> events) {
        this.section = section;
        this.greeting = greeting;
        this.events = events;
    }

    @Override
    public void start(PluginContext context) throws IOException {
        this.context = context;
        context.addCommand(section, argument -> Map.of("greeting", greeting, "argument", argument));
        events.add(section + " started");
    }

    @Override
    public void close() {
        events.add(section + " closed");
    }

    /** Makes the plugin from its section; records every plugin it made. */
    static final class Provider implements PluginProvider {
        private final String section;
        private final List<String> events;
        volatile JsonNode seen;
        volatile RecordingPlugin made;

        Provider(String section, List<String> events) {
            this.section = section;
            this.events = events;
        }

        @Override
        public String section() {
            return section;
        }

        @Override
        public Plugin create(JsonNode node) throws PluginConfigException {
            seen = node;
            if (node == null) {
                return null;
            }
            JsonNode greeting = node.get("greeting");
            if (greeting == null || !greeting.isTextual()) {
                throw new PluginConfigException("greeting is missing: give a word, e.g. greeting: hello");
            }
            made = new RecordingPlugin(section, greeting.asText(), events);
            return made;
        }
    }
}
