package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.overlayd.noise.Clock;
import dev.overlayd.peers.uapi.DeviceSnapshot;
import dev.overlayd.peers.uapi.PeerSnapshot;
import dev.overlayd.peers.uapi.SetRequest;
import dev.overlayd.peers.uapi.UapiDevice;
import dev.overlayd.peers.uapi.UapiException;
import dev.overlayd.peers.uapi.UapiProtocol;
import dev.overlayd.tun.MemoryTun;

/**
 * Whatever a client writes to the UAPI socket, into the protocol in front of a real device: each
 * set is applied or refused with a UapiException's errno, each get answered. Neither the parser
 * nor the device may throw anything else (the protocol would answer EIO and log a stack trace,
 * which the harness treats as a failure). A conversation whose every set was refused leaves the
 * device exactly as it was, and after any conversation no prefix belongs to two peers.
 */
class UapiRequestFuzzTest {
    /** Each refused request is worth an info line in a daemon, not a million of them in the build's log. */
    private static final Logger QUIET = Logger.getLogger(UapiProtocol.class.getName());
    private static Device device;
    private static DeviceUapi uapi;
    private static RuntimeException insideDevice;
    private static boolean applied;

    /** The device as the protocol sees it, with what it throws besides a UapiException kept. */
    private static final UapiDevice WATCHED = new UapiDevice() {
        @Override
        public DeviceSnapshot snapshot() {
            try {
                return uapi.snapshot();
            } catch (RuntimeException e) {
                insideDevice = e;
                throw e;
            }
        }

        @Override
        public void apply(SetRequest request) throws UapiException {
            try {
                uapi.apply(request);
                applied = true;
            } catch (RuntimeException e) {
                insideDevice = e;
                throw e;
            }
        }
    };

    @BeforeAll
    static void deviceUp() throws IOException {
        QUIET.setLevel(Level.WARNING);
        MemoryNetwork network = new MemoryNetwork();
        device = new Device(new MemoryTun("fuzz-uapi"), network.bind("198.18.0.1"), Clock.SYSTEM, Timing.PROTOCOL);
        device.up();
        uapi = new DeviceUapi(device);
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }

    @FuzzTest
    void uapiConversation(byte[] conversation) throws IOException {
        // Peers from earlier runs would only make each run slower.
        device.removeAllPeers();
        insideDevice = null;
        applied = false;
        String before = dump();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Small enough that the request bound is reached too.
        new UapiProtocol(WATCHED, 2048).serve(new ByteArrayInputStream(conversation), out);
        assertNull(insideDevice, () -> "the device threw " + insideDevice);

        String replies = out.toString(StandardCharsets.US_ASCII);
        assertTrue(replies.isEmpty() || replies.endsWith("\n\n"), "a reply not ended by an empty line");
        DeviceSnapshot after = uapi.snapshot();
        if (!applied) {
            assertEquals(before, dump(), "a refused set changed the device");
        }
        Set<String> owned = new HashSet<>();
        for (PeerSnapshot peer : after.peers()) {
            peer.allowedIps().forEach(ip -> assertTrue(owned.add(ip.toString()), "two peers hold " + ip));
        }
        assertEquals(device.peers().size(), after.peers().size());
    }

    /** The device as `wg show` reads it: a get through the protocol. */
    private static String dump() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new UapiProtocol(uapi).serve(new ByteArrayInputStream("get=1\n\n".getBytes(StandardCharsets.US_ASCII)), out);
        return out.toString(StandardCharsets.US_ASCII);
    }
}
