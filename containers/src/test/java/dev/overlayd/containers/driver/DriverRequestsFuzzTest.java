package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What dockerd (or anything that can open the root-only socket) sends the driver, through the
 * socket's own pipeline over a fake host network: each call is answered with success or Docker's
 * {"Err": ...} (never the internal error of an exception nobody expected, never a stack trace), and
 * the state file written after them loads again. An input is either raw bytes (anything not starting
 * with '/') or one call a line, {@code <path> <json body>}, each POSTed as dockerd does, so the
 * fuzzer can work on the JSON of a sequence of calls that build on each other.
 */
class DriverRequestsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    void calls(byte[] input) throws IOException {
        Path state = Files.createTempDirectory("driver-fuzz");
        try {
            NetworkDriver driver = new NetworkDriver(DriverCallsTest.SELF, () -> 1420, new FakeHostNetwork(),
                    DriverState.load(state));
            driver.restore();
            EmbeddedChannel socket = new EmbeddedChannel();
            PluginSocket.pipeline(socket, new PluginCalls(new DriverCalls(driver),
                    new AuthZCalls(StartGate.OPEN, AuthZCalls.START_WAIT)));
            String text = new String(input, StandardCharsets.ISO_8859_1);
            if (text.startsWith("/")) {
                for (String line : text.split("\n")) {
                    if (!socket.isOpen()) {
                        break;
                    }
                    int space = line.indexOf(' ');
                    String path = space < 0 ? line : line.substring(0, space);
                    byte[] body = (space < 0 ? "" : line.substring(space + 1)).getBytes(StandardCharsets.ISO_8859_1);
                    socket.writeInbound(Unpooled.wrappedBuffer(("POST " + path + " HTTP/1.1\r\nHost: plugin\r\n"
                            + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1), body));
                    int answered = answers(socket).size();
                    // A space or a control byte in the path breaks the request line: then one answer at most.
                    if (path.chars().allMatch(c -> c > 0x20 && c != 0x7f)) {
                        assertEquals(1, answered, "one call, one answer: " + path);
                    }
                }
            } else {
                socket.writeInbound(Unpooled.wrappedBuffer(input));
                answers(socket);
            }
            socket.checkException();
            socket.finishAndReleaseAll();
            new NetworkDriver(DriverCallsTest.SELF, () -> 1420, new FakeHostNetwork(), DriverState.load(state)).restore();
        } finally {
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The answers the socket wrote, each checked to be success or an error Docker shows its user. */
    private static List<Integer> answers(EmbeddedChannel socket) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder());
        for (ByteBuf out; (out = socket.readOutbound()) != null; ) {
            client.writeInbound(out);
        }
        List<Integer> statuses = new ArrayList<>();
        ByteBuf body = Unpooled.buffer();
        try {
            for (Object read; (read = client.readInbound()) != null; ReferenceCountUtil.release(read)) {
                if (read instanceof HttpResponse response) {
                    assertTrue(response.decoderResult().isSuccess(), "the driver wrote what is not HTTP");
                    statuses.add(response.status().code());
                    body.clear();
                }
                if (read instanceof HttpContent content) {
                    body.writeBytes(content.content().duplicate());
                }
                if (read instanceof LastHttpContent) {
                    check(statuses.getLast(), body.toString(StandardCharsets.UTF_8));
                }
            }
        } finally {
            body.release();
            client.finishAndReleaseAll();
        }
        return statuses;
    }

    private static void check(int status, String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("an answer that is not JSON: " + body, e);
        }
        String err = json.path("Err").asText("");
        // A stack trace has lines; an error message is one line (what it echoes of the call made printable).
        assertFalse(err.contains("\n") || err.contains("\t"), "more than a line in an answer: " + body);
        if (status == 200) {
            assertTrue(err.isEmpty(), "success with an error: " + body);
        } else if (status == 500 && err.equals("internal error")) {
            fail("an exception nobody expected: " + body);
        } else {
            assertFalse(err.isEmpty(), "HTTP " + status + " without an error Docker can show: " + body);
        }
    }
}
