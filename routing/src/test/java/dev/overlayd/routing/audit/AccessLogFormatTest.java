package dev.overlayd.routing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.routing.edge.EdgeConfig.LogFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log's lines, written to a real file through {@link Audit} and parsed back. */
class AccessLogFormatTest {
    /** nginx's combined format and the key=value fields after it. */
    private static final Pattern COMBINED = Pattern.compile(
            "(\\S+) - - \\[([^]]+)] \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\d+) \"-\" \"-\"((?: [a-z_]+=\\S+)*)");
    /** A path a client may send: quotes, backslash, space, CR LF, a control byte, a Latin-1 byte (as Netty decodes octets). */
    private static final String NASTY = "/a\"b\\c d\r\n{\"forged\": 1}\u0001\u00e9";

    @TempDir
    Path temp;
    private int files;

    private List<String> write(LogFormat format, boolean query, AccessRecord... requests) throws Exception {
        Path file = temp.resolve("log/access" + files++ + ".log");
        try (Audit audit = Audit.open(Records.log(file, format, query, false), new SimpleMeterRegistry())) {
            for (AccessRecord r : requests) {
                audit.completed(r);
            }
        }
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertTrue(text.endsWith("\n"));
        for (char c : text.toCharArray()) {
            assertTrue(c == '\n' || c >= 0x20 && c < 0x7f, "only printable ASCII and newlines: " + (int) c);
        }
        return text.lines().toList();
    }

    @Test
    void jsonLinesCarryEveryFieldAndOmitTheAbsent() throws Exception {
        List<String> lines = write(LogFormat.JSON, false, Records.request("/v1/items", "patient=Jane", 200), Records.healthCheck());
        assertEquals(2, lines.size());
        JsonNode json = new ObjectMapper().readTree(lines.get(0));
        assertEquals("2026-12-02T06:15:03.123Z", json.get("time").asText());
        assertEquals("203.0.113.9", json.get("client").asText());
        assertEquals(51234, json.get("client_port").asInt());
        assertEquals("198.18.0.1:40000", json.get("balancer").asText());
        assertEquals("TLSv1.3", json.get("tls").asText());
        assertEquals("api.example.com", json.get("sni").asText());
        assertEquals("HTTP/1.1", json.get("protocol").asText());
        assertEquals("GET", json.get("method").asText());
        assertEquals("api.example.com", json.get("host").asText());
        assertEquals("/v1/items", json.get("path").asText());
        assertFalse(json.has("query"), "the query string can carry PHI: left out unless configured");
        assertFalse(lines.get(0).contains("Jane"));
        assertEquals(200, json.get("status").asInt());
        assertEquals(321, json.get("bytes_in").asLong());
        assertEquals(1234, json.get("bytes_out").asLong());
        assertEquals("12.345", json.get("duration_ms").decimalValue().toPlainString());
        assertEquals("api", json.get("service").asText());
        assertEquals("h1:0123456789ab:8080", json.get("instance").asText());
        assertEquals("h1", json.get("node").asText());
        assertEquals("5f0c2a", json.get("request_id").asText());

        JsonNode check = new ObjectMapper().readTree(lines.get(1));
        for (String absent : List.of("client", "client_port", "tls", "sni", "host", "service", "instance", "node", "query")) {
            assertFalse(check.has(absent), absent + " of a health check without them: " + check);
        }
        assertEquals(404, check.get("status").asInt());
    }

    @Test
    void theQueryIsWrittenOnlyWhenConfigured() throws Exception {
        JsonNode json = new ObjectMapper().readTree(write(LogFormat.JSON, true, Records.request("/v1", "a=1&b=2", 200)).getFirst());
        assertEquals("a=1&b=2", json.get("query").asText());
        Matcher m = combined(write(LogFormat.COMBINED, true, Records.request("/v1", "a=1&b=2", 200)).getFirst());
        assertEquals("/v1?a=1&b=2", m.group(4));
        m = combined(write(LogFormat.COMBINED, false, Records.request("/v1", "a=1&b=2", 200)).getFirst());
        assertEquals("/v1", m.group(4));
    }

    @Test
    void combinedIsNginxsWithTheClientFirstThenTheRestAsKeyValues() throws Exception {
        List<String> lines = write(LogFormat.COMBINED, false, Records.request("/v1/items", "x=1", 201), Records.healthCheck());
        Matcher m = combined(lines.get(0));
        assertEquals("203.0.113.9", m.group(1));
        assertEquals(Records.TIME, ZonedDateTime.parse(m.group(2),
                DateTimeFormatter.ofPattern("dd/MMM/uuuu:HH:mm:ss.SSS Z", Locale.ENGLISH)).toInstant());
        assertTrue(m.group(2).endsWith(" +0000"), m.group(2));
        assertEquals("GET", m.group(3));
        assertEquals("/v1/items", m.group(4));
        assertEquals("HTTP/1.1", m.group(5));
        assertEquals("201", m.group(6));
        assertEquals("1234", m.group(7));
        assertEquals(Map.ofEntries(Map.entry("request_id", "5f0c2a"), Map.entry("duration_ms", "12.345"),
                Map.entry("service", "api"), Map.entry("instance", "h1:0123456789ab:8080"), Map.entry("node", "h1"),
                Map.entry("tls", "TLSv1.3"), Map.entry("sni", "api.example.com"), Map.entry("host", "api.example.com"),
                Map.entry("client_port", "51234"), Map.entry("balancer", "198.18.0.1:40000"), Map.entry("bytes_in", "321")),
                fields(m));

        Matcher check = combined(lines.get(1));
        assertEquals("-", check.group(1), "a health check has no client address");
        assertEquals("-", fields(check).get("service"));
    }

    @Test
    void whatAClientSentCannotBreakALineOrForgeAField() throws Exception {
        AccessRecord r = Records.request(NASTY, null, 400);
        List<String> json = write(LogFormat.JSON, false, r);
        assertEquals(1, json.size(), "one request, one line");
        assertEquals(NASTY, new ObjectMapper().readTree(json.getFirst()).get("path").asText());

        List<String> combined = write(LogFormat.COMBINED, false, r);
        assertEquals(1, combined.size());
        Matcher m = combined(combined.getFirst());
        assertEquals(NASTY, unescape(m.group(4)));
        assertEquals("/a\\x22b\\x5Cc\\x20d\\x0D\\x0A{\\x22forged\\x22:\\x201}\\x01\\xE9", m.group(4));
    }

    @Test
    void aHostOrSniWithSpacesStaysOneKeyValue() throws Exception {
        AccessRecord r = Records.request("/", null, 200);
        AccessRecord spaced = new AccessRecord(r.time(), r.client(), r.balancer(), r.tls(), "a b", r.protocol(), r.method(),
                "evil service=forged", r.path(), null, 200, 0, 0, r.duration(), r.service(), r.instance(), r.node(), r.requestId());
        Map<String, String> fields = fields(combined(write(LogFormat.COMBINED, false, spaced).getFirst()));
        assertEquals("api", fields.get("service"));
        assertEquals("evil service=forged", unescape(fields.get("host")));
        assertEquals("a b", unescape(fields.get("sni")));
    }

    private static Matcher combined(String line) {
        Matcher m = COMBINED.matcher(line);
        assertTrue(m.matches(), line);
        return m;
    }

    private static Map<String, String> fields(Matcher m) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : m.group(8).strip().split(" ")) {
            String[] kv = pair.split("=", 2);
            assertEquals(null, fields.put(kv[0], kv[1]), "once each: " + kv[0]);
        }
        return fields;
    }

    /** What a log reader does with {@code \xHH}: the bytes back, as Netty's one char per octet. */
    private static String unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            if (text.startsWith("\\x", i)) {
                out.write(Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(text.charAt(i));
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
