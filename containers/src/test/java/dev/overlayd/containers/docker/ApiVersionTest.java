package dev.overlayd.containers.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiVersionTest {
    @Test
    void speaksTheOlderOfTheDaemonsVersionAnd141AndRefusesBelow125() {
        assertEquals(Optional.of(ApiVersion.parse("1.41")), ApiVersion.negotiate(ApiVersion.parse("1.41")));
        assertEquals(Optional.of(ApiVersion.parse("1.41")), ApiVersion.negotiate(ApiVersion.parse("1.47")));
        assertEquals(Optional.of(ApiVersion.parse("1.41")), ApiVersion.negotiate(ApiVersion.parse("2.0")));
        assertEquals(Optional.of(ApiVersion.parse("1.30")), ApiVersion.negotiate(ApiVersion.parse("1.30")));
        assertEquals(Optional.of(ApiVersion.parse("1.25")), ApiVersion.negotiate(ApiVersion.parse("1.25")));
        assertEquals(Optional.empty(), ApiVersion.negotiate(ApiVersion.parse("1.24")));
        assertEquals("1.9", ApiVersion.parse("1.9").toString());
        assertThrows(IllegalArgumentException.class, () -> ApiVersion.parse("1"));
        assertThrows(IllegalArgumentException.class, () -> ApiVersion.parse("v1.41"));
        assertThrows(IllegalArgumentException.class, () -> ApiVersion.parse(null));
    }

    @Test
    void dockerHostTakesUnixSocketsOnly() {
        assertEquals(Path.of("/var/run/docker.sock"), DockerClient.socketOf("unix:///var/run/docker.sock"));
        assertEquals(Path.of("/run/user/0/docker.sock"), DockerClient.socketOf(" unix:///run/user/0/docker.sock "));
        for (String bad : new String[] {"tcp://127.0.0.1:2375", "/var/run/docker.sock", "unix://var/run/docker.sock",
                "unix:relative", "unix:///a?b", "unix ///x"}) {
            assertThrows(IllegalArgumentException.class, () -> DockerClient.socketOf(bad), bad);
        }
    }
}
