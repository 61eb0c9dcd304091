package dev.overlayd.routing.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/**
 * JSON lines, one object a request, absent fields left out. Everything the client chose (path,
 * host, SNI, ...) is escaped by Jackson, non-ASCII too, so no byte of it can end a line or confuse a
 * tool that reads the log as ASCII.
 */
final class JsonLines implements LineFormat {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();
    private static final SecondsCache TIME = new SecondsCache("uuuu-MM-dd'T'HH:mm:ss", "Z");

    private final boolean query;

    /** @param query whether the query string is written (URLs can carry PHI) */
    JsonLines(boolean query) {
        this.query = query;
    }

    @Override
    public byte[] line(AccessRecord r) {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            text(g, "time", r.time() == null ? null : TIME.format(r.time()));
            text(g, "client", LineFormat.ip(r.client()));
            if (r.client() != null) {
                g.writeNumberField("client_port", r.client().getPort());
            }
            text(g, "balancer", LineFormat.ipPort(r.balancer()));
            text(g, "tls", r.tls());
            text(g, "sni", r.sni());
            text(g, "protocol", r.protocol());
            text(g, "method", r.method());
            text(g, "host", r.host());
            text(g, "path", r.path());
            if (query) {
                text(g, "query", r.query());
            }
            g.writeNumberField("status", r.status());
            g.writeNumberField("bytes_in", r.bytesIn());
            g.writeNumberField("bytes_out", r.bytesOut());
            if (r.duration() != null) {
                g.writeNumberField("duration_ms", LineFormat.milliseconds(r.duration()));
            }
            text(g, "service", r.service());
            text(g, "instance", r.instance());
            text(g, "node", r.node());
            text(g, "request_id", r.requestId());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // Not from a byte array: only to satisfy the generator's signature.
        }
        out.append('\n');
        return out.toByteArray();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }
}
