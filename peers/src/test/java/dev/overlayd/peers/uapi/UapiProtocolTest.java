package dev.overlayd.peers.uapi;

import static dev.overlayd.peers.uapi.ProtocolHarness.converse;
import static dev.overlayd.peers.uapi.TestKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One connection: several operations, its end, and a client that breaks the framing. */
class UapiProtocolTest {
    private final FakeUapiDevice device = new FakeUapiDevice(emptySnapshot());

    @Test
    void severalOperationsOnOneConnection() throws InterruptedException {
        String out = converse(device, "get=1\n\nset=1\nlisten_port=1\n\nset=1\nbogus\n\nset=1\nfwmark=2\n\nget=1\n\n");
        assertEquals("errno=0\n\nerrno=0\n\nerrno=-71\n\nerrno=0\n\nerrno=0\n\n", out);
        assertEquals(1, device.takeApplied().listenPort());
        assertEquals(2, device.takeApplied().fwmark());
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void unknownFirstLineClosesTheConnection() {
        assertEquals("", converse(device, "hello\nget=1\n\n"));
        assertEquals("", converse(device, "get=2\n\n"));
        assertEquals("", converse(device, "GET=1\n\n"));
        // Exactly "get=1\n": a '\r' or a space makes it another operation.
        assertEquals("", converse(device, "get=1\r\n\n"));
        assertEquals("", converse(device, "\nget=1\n\n"));
    }

    @Test
    void unknownOperationAfterAGoodOneClosesToo() {
        assertEquals("errno=0\n\n", converse(device, "get=1\n\nnope\nget=1\n\n"));
    }

    @Test
    void emptyConnectionIsFine() {
        // `wg` connects and hangs up at once to see whether an interface is alive.
        assertEquals("", converse(device, ""));
        assertEquals("", converse(device, "get=1"));
        assertEquals("", converse(device, "get=1\n"));
    }

    @Test
    void requestCutShortIsNotApplied() {
        assertEquals("errno=-71\n\n", converse(device, "set=1\nlisten_port=1\n"));
        assertEquals("errno=-71\n\n", converse(device, "set=1\nlisten_port=1"));
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void overlongLineIsRefusedAndTheConnectionClosed() {
        String longLine = "endpoint=" + "1".repeat(UapiProtocol.MAX_LINE_BYTES);
        assertEquals("errno=-90\n\n", converse(device, "set=1\n" + longLine + "\n\nget=1\n\n"));
        assertEquals("", converse(device, "x".repeat(UapiProtocol.MAX_LINE_BYTES + 1) + "\nget=1\n\n"));
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void lineAtTheBoundIsAccepted() {
        // Read whole (it is an unknown key, so EINVAL), not cut: the bound is on content, not memory.
        String line = "k".repeat(UapiProtocol.MAX_LINE_BYTES - 2) + "=1";
        assertEquals("errno=-22\n\n", converse(device, "set=1\n" + line + "\n\n"));
    }

    @Test
    void oversizedRequestIsRefusedAndTheConnectionClosed() {
        UapiProtocol small = new UapiProtocol(device, 100);
        String many = "listen_port=1\n".repeat(20);
        assertEquals("errno=-90\n\n", converse(small, "set=1\n" + many + "\nget=1\n\n"));
        assertTrue(device.applied.isEmpty());
        assertEquals("errno=0\n\n", converse(small, "set=1\n" + "listen_port=1\n".repeat(5) + "\n"));
    }

    @Test
    void aRequestLeavesTheStreamExactlyAfterItsEmptyLine() throws IOException {
        // The next operation's bytes must survive the request's parsing: a per-request line scanner
        // with a buffer of its own, as wireguard-go uses, could read past the empty line and lose them.
        ByteArrayInputStream in = new ByteArrayInputStream(
                "set=1\nlisten_port=3\n\nget=1\n\n".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new UapiProtocol(device).serve(in, out);
        assertEquals("errno=0\n\nerrno=0\n\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void nonAsciiBytesAreJustInvalid() {
        assertEquals("errno=-22\n\n", converse(device, "set=1\nlisten_port=\u00e9\n\n"));
        assertEquals("", converse(device, "g\u00e9t=1\n\n"));
    }
}
