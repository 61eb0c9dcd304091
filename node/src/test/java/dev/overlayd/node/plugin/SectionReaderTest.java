package dev.overlayd.node.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

class SectionReaderTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> KEYS = List.of("listen", "on", "count", "timeout", "body", "items", "inner");

    private static SectionReader read(String yaml) throws Exception {
        return SectionReader.of("edge.https", YAML.readTree("x: " + yaml).get("x"), KEYS);
    }

    private interface Reading {
        void read(SectionReader section) throws PluginConfigException;
    }

    private static String refusal(String yaml, Reading reading) throws Exception {
        SectionReader section = read(yaml);
        return assertThrows(PluginConfigException.class, () -> reading.read(section)).getMessage();
    }

    @Test
    void anAbsentMapIsEveryDefault() throws Exception {
        SectionReader absent = SectionReader.of("edge.https", null, KEYS);
        assertFalse(absent.has("listen"));
        assertEquals("0.0.0.0:443", absent.text("listen", "0.0.0.0:443"));
        assertEquals(7, absent.integer("count", 7, 0, 10));
        assertEquals(Duration.ofSeconds(3), absent.duration("timeout", Duration.ofSeconds(3), Duration.ZERO, Duration.ofMinutes(1)));
        assertEquals(64, absent.size("body", 64, 0, 100));
        assertEquals(List.of(), absent.list("items"));
        assertFalse(absent.off("on"));
        assertEquals("edge.https.inner.count", absent.section("inner", List.of("count")).name("count"));
        assertEquals(List.of(), read("{items: null}").list("items"), "null is absent");
    }

    @Test
    void valuesAsWritten() throws Exception {
        SectionReader s = read("{listen: ' 127.0.0.1:8443 ', on: true, count: 5, timeout: 500ms, body: 10MiB, items: [a, b]}");
        assertEquals("127.0.0.1:8443", s.text("listen", null), "stripped");
        assertTrue(s.bool("on", false));
        assertEquals(5, s.integer("count", 0, 0, 10));
        assertEquals(Duration.ofMillis(500), s.duration("timeout", null, Duration.ZERO, Duration.ofMinutes(1)));
        assertEquals(10L << 20, s.size("body", 0, 0, 1L << 30));
        assertEquals(2, s.list("items").size());
        assertEquals(1, read("{items: a}").list("items").size(), "one value is a list of one");
        assertEquals(8192, read("{body: 8192}").size("body", 0, 0, 1 << 20));
        assertEquals(64 << 10, read("{body: 64KiB}").size("body", 0, 0, 1 << 20));
        assertEquals(1L << 30, read("{body: 1GiB}").size("body", 0, 0, 1L << 40));
    }

    @Test
    void offIsOffOrFalse() throws Exception {
        assertTrue(read("{on: off}").off("on"));
        assertTrue(read("{on: 'off'}").off("on"));
        assertTrue(read("{on: false}").off("on"));
        assertFalse(read("{on: true}").off("on"));
        assertFalse(read("{on: ':80'}").off("on"));
    }

    @Test
    void unknownKeysAndNonMapsAreRefusedByTheirFullName() throws Exception {
        assertEquals("edge.https.lisen: unknown key (known: listen, on, count, timeout, body, items, inner)",
                assertThrows(PluginConfigException.class, () -> read("{lisen: x}")).getMessage());
        assertTrue(assertThrows(PluginConfigException.class, () -> read("[a]")).getMessage()
                .startsWith("edge.https: must be a map of listen, on"));
        assertEquals("edge.https.inner.cuont: unknown key (known: count)",
                assertThrows(PluginConfigException.class, () -> read("{inner: {cuont: 1}}").section("inner", List.of("count")))
                        .getMessage());
    }

    @Test
    void eachWrongValueNamesItsKeyAndWhatItMustBe() throws Exception {
        assertEquals("edge.https.listen: must be a non-empty string, not \"\"", refusal("{listen: ''}", s -> s.text("listen", null)));
        assertEquals("edge.https.listen: must be a non-empty string, not 443", refusal("{listen: 443}", s -> s.text("listen", null)));
        assertEquals("edge.https.on: must be true or false, not \"yes please\"", refusal("{on: yes please}", s -> s.bool("on", false)));
        assertEquals("edge.https.count: 11 is not a whole number from 0 to 10", refusal("{count: 11}", s -> s.integer("count", 0, 0, 10)));
        assertEquals("edge.https.count: 1.5 is not a whole number from 0 to 10", refusal("{count: 1.5}", s -> s.integer("count", 0, 0, 10)));
        assertTrue(refusal("{count: '5'}", s -> s.integer("count", 0, 0, 10)).startsWith("edge.https.count: "));
        assertTrue(refusal("{count: 99999999999}", s -> s.integer("count", 0, 0, 10)).startsWith("edge.https.count: "));
        assertEquals("edge.https.timeout: 'soon' is not a duration such as 10s, 500ms or 2m",
                refusal("{timeout: soon}", s -> s.duration("timeout", null, Duration.ZERO, Duration.ofMinutes(1))));
        assertEquals("edge.https.timeout: 2m is not from 100ms to 1m",
                refusal("{timeout: 2m}", s -> s.duration("timeout", null, Duration.ofMillis(100), Duration.ofMinutes(1))));
        assertEquals("edge.https.body: \"10MB\" is not a size such as 8192, 64KiB, 10MiB or 1GiB",
                refusal("{body: 10MB}", s -> s.size("body", 0, 0, 1L << 40)));
        assertTrue(refusal("{body: -1}", s -> s.size("body", 0, 0, 100)).startsWith("edge.https.body: -1 is not a size"));
        assertEquals("edge.https.body: 2KiB is not from 0 to 1024 bytes", refusal("{body: 2KiB}", s -> s.size("body", 0, 0, 1024)));
        assertEquals("edge.https.items: custom", read("{}").error("items", "custom").getMessage());
    }
}
