package dev.overlayd.node.plugin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.config.DurationText;

/**
 * Reads one map of a plugin's section of overlay.yaml, so that every plugin says what is wrong the
 * same way: by the key's full name ({@code edge.https.listen}) and what it must be. Unknown keys are
 * refused (a typo would otherwise be a silent default).
 */
public final class SectionReader {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(KiB|MiB|GiB|)");

    private final String name;
    private final JsonNode map;

    private SectionReader(String name, JsonNode map) {
        this.name = name;
        this.map = map;
    }

    /**
     * The map {@code node} (null: absent, every key at its default), named {@code name}, with no key
     * but {@code keys}.
     */
    public static SectionReader of(String name, JsonNode node, List<String> keys) throws PluginConfigException {
        if (node == null || node.isNull()) {
            return new SectionReader(name, null);
        }
        if (!node.isObject()) {
            throw new PluginConfigException(name + ": must be a map of " + String.join(", ", keys) + " (or {} for the defaults)");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!keys.contains(e.getKey())) {
                throw new PluginConfigException(name + "." + e.getKey() + ": unknown key (known: " + String.join(", ", keys) + ")");
            }
        }
        return new SectionReader(name, node);
    }

    /** The full name of one of this map's keys, as errors say it. */
    public String name(String key) {
        return name + "." + key;
    }

    /** Whether the key is written (and not null). */
    public boolean has(String key) {
        return value(key) != null;
    }

    /** The key's value as written, null when absent. */
    public JsonNode value(String key) {
        JsonNode v = map == null ? null : map.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** A map under this one, read the same way. */
    public SectionReader section(String key, List<String> keys) throws PluginConfigException {
        return of(name(key), value(key), keys);
    }

    /** Whether the key says off ({@code off} or {@code false}). */
    public boolean off(String key) {
        JsonNode v = value(key);
        return v != null && (v.isBoolean() && !v.asBoolean() || v.isTextual() && v.asText().strip().equals("off"));
    }

    /** A non-empty string, stripped; {@code fallback} when absent. */
    public String text(String key, String fallback) throws PluginConfigException {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw error(key, "must be a non-empty string, not " + v);
        }
        return v.asText().strip();
    }

    public boolean bool(String key, boolean fallback) throws PluginConfigException {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw error(key, "must be true or false, not " + v);
        }
        return v.asBoolean();
    }

    /** A whole number from {@code min} to {@code max}. */
    public int integer(String key, int fallback, int min, int max) throws PluginConfigException {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw error(key, v + " is not a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    /** A duration ({@code 10s}, {@code 500ms}, {@code 2m}) from {@code min} to {@code max}. */
    public Duration duration(String key, Duration fallback, Duration min, Duration max) throws PluginConfigException {
        String text = text(key, null);
        if (text == null) {
            return fallback;
        }
        Duration d;
        try {
            d = DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(key, e.getMessage());
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw error(key, text + " is not from " + DurationText.format(min) + " to " + DurationText.format(max));
        }
        return d;
    }

    /** A size in bytes, written as a number or with KiB, MiB or GiB ({@code 64KiB}), from {@code min} to {@code max}. */
    public long size(String key, long fallback, long min, long max) throws PluginConfigException {
        JsonNode v = value(key);
        if (v == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(v.asText().strip());
        if (!(v.isIntegralNumber() || v.isTextual()) || !m.matches()) {
            throw error(key, v + " is not a size such as 8192, 64KiB, 10MiB or 1GiB");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2)) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
        if (bytes < min || bytes > max) {
            throw error(key, v.asText() + " is not from " + min + " to " + max + " bytes");
        }
        return bytes;
    }

    /** A list (a single value is a list of one); empty when absent. */
    public List<JsonNode> list(String key) {
        JsonNode v = value(key);
        List<JsonNode> items = new ArrayList<>();
        if (v == null) {
            return items;
        }
        if (v.isArray()) {
            v.forEach(items::add);
        } else {
            items.add(v);
        }
        return items;
    }

    public PluginConfigException error(String key, String message) {
        return new PluginConfigException(name(key) + ": " + message);
    }
}
