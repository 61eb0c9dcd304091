package dev.overlayd.peers.uapi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Runs one whole connection's input through the protocol in memory and returns all it wrote. */
final class ProtocolHarness {
    private ProtocolHarness() {}

    static String converse(UapiProtocol protocol, String input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            protocol.serve(new ByteArrayInputStream(input.getBytes(StandardCharsets.ISO_8859_1)), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static String converse(UapiDevice device, String input) {
        return converse(new UapiProtocol(device), input);
    }
}
