package dev.overlayd.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whatever a client writes to the control socket: one JSON document comes back on one line, the
 * command's answer or an {"error": ...} (unknown command, too long, the command's own refusal),
 * and the protocol throws nothing. The commands here stand for the node's: one answers with its
 * argument, one refuses it as the node's commands refuse a bad argument.
 */
class ControlRequestFuzzTest {
    private static final ControlProtocol PROTOCOL = new ControlProtocol();

    static {
        PROTOCOL.add("echo", argument -> Map.of("argument", argument));
        PROTOCOL.add("refuse", argument -> {
            throw new IOException("the argument is not base64");
        });
    }

    @FuzzTest
    void controlRequest(byte[] request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PROTOCOL.serve(new ByteArrayInputStream(request), out);
        String reply = out.toString(StandardCharsets.UTF_8);
        assertTrue(reply.endsWith("\n") && reply.indexOf('\n') == reply.length() - 1, "not one line: " + reply);
        JsonNode document = ControlProtocol.JSON.readTree(reply);
        assertTrue(document.has("argument") || document.has("error"), "neither an answer nor an error: " + reply);
        if (document.has("argument")) {
            String line = new String(request, StandardCharsets.US_ASCII).split("\n", 2)[0].strip();
            assertTrue(line.startsWith("echo"), "an answer to an unknown command");
            assertEquals(1, document.size());
        }
    }
}
