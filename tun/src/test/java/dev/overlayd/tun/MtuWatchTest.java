package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.testing.Netns;

/** The kernel's link notifications for a real TUN, in a network namespace of its own. Needs root. */
class MtuWatchTest {
    private Netns netns;
    private final BlockingQueue<Integer> heard = new LinkedBlockingQueue<>();

    @BeforeEach
    void createNamespace() throws IOException {
        netns = Netns.create("ovm-");
    }

    @AfterEach
    void deleteNamespace() throws IOException {
        if (netns != null) {
            netns.close();
        }
    }

    @Test
    void tellsTheMtuAtOnceAndEveryChangeOfIt() throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovm0"));
        netns.open(() -> LinuxTun.open("ovm1"));
        try (MtuWatch watch = netns.call(() -> MtuWatch.start(tun.name(), heard::add))) {
            assertEquals(1500, next(), "the TUN's MTU as created");
            int other = 9000;
            for (int mtu : new int[] {34736, 65535, 1280}) {
                // Another interface's change between, which the watch must not take for this one's.
                netns.ip("link", "set", "dev", "ovm1", "mtu", Integer.toString(other++));
                netns.ip("link", "set", "dev", tun.name(), "mtu", Integer.toString(mtu));
                assertOnly(mtu);
            }
            netns.ip("link", "set", "dev", tun.name(), "up");
            assertOnly(1280);
        }
        heard.clear();
        netns.ip("link", "set", "dev", tun.name(), "mtu", "1420");
        assertNull(heard.poll(500, TimeUnit.MILLISECONDS), "nothing is heard once the watch is closed");
    }

    @Test
    void refusesAnInterfaceThatDoesNotExist() {
        IOException e = assertThrows(IOException.class, () -> netns.call(() -> MtuWatch.start("ovmnone", heard::add)));
        assertTrue(e.getMessage().startsWith("cannot watch the MTU of ovmnone: "), e.getMessage());
    }

    private int next() throws InterruptedException {
        Integer mtu = heard.poll(10, TimeUnit.SECONDS);
        assertTrue(mtu != null, "heard an MTU");
        return mtu;
    }

    /** What is heard next, until the notifications stop, is this MTU and nothing else. */
    private void assertOnly(int mtu) throws InterruptedException {
        assertEquals(mtu, next());
        for (Integer more; (more = heard.poll(300, TimeUnit.MILLISECONDS)) != null; ) {
            assertEquals(mtu, more);
        }
    }
}
