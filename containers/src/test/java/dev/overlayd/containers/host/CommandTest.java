package dev.overlayd.containers.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandTest {
    @Test
    void aProgramIsFoundOnPathOnlyWhenItIsThere() {
        assertTrue(Command.onPath("ip"), "iproute2's ip, which every host test needs");
        assertFalse(Command.onPath("overlayd-no-such-program"));
    }
}
