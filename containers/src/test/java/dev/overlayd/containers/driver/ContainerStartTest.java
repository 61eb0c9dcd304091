package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerStartTest {
    @Test
    void aStartIsFoundVersionedOrNotWhateverItsQuery() {
        assertEquals(Optional.of("0123abcd"), ContainerStart.of("POST", "/v1.41/containers/0123abcd/start"));
        assertEquals(Optional.of("web"), ContainerStart.of("POST", "/containers/web/start"));
        assertEquals(Optional.of("web"), ContainerStart.of("POST", "/v1.24/containers/web/start?detachKeys=ctrl-p"));
    }

    @Test
    void anythingElseIsNotAStart() {
        assertEquals(Optional.empty(), ContainerStart.of("GET", "/v1.41/containers/web/start"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", "/v1.41/containers/web/restart"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", "/v1.41/containers/create?name=start"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", "/v1.41/containers/web/start/more"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", "/v1.41/exec/start/start"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", "/vx/containers/web/start"));
        assertEquals(Optional.empty(), ContainerStart.of("POST", null));
    }
}
