package dev.overlayd.containers.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import dev.overlayd.containers.docker.ContainerInfo;
import org.junit.jupiter.api.Test;

class AttachPolicyTest {
    private static ContainerInfo container(String networkMode, Map<String, String> labels) {
        return new ContainerInfo("id", "web", labels, networkMode, "created", Map.of(), null);
    }

    @Test
    void allModeAttachesEveryContainerWithANetworkOfItsOwn() {
        AttachPolicy all = new AttachPolicy(AttachMode.ALL);
        assertEquals(Optional.empty(), all.skipReason(container("default", Map.of())));
        assertEquals(Optional.empty(), all.skipReason(container("bridge", Map.of("com.amazonaws.ecs.cluster", "c"))));
        assertEquals(Optional.empty(), all.skipReason(container("mynet", Map.of(AttachPolicy.LABEL, "true"))));
    }

    @Test
    void sharedOrAbsentNetworkStacksAreSkippedInEitherMode() {
        for (AttachMode mode : AttachMode.values()) {
            AttachPolicy policy = new AttachPolicy(mode);
            Map<String, String> optedIn = Map.of(AttachPolicy.LABEL, "true");
            assertTrue(policy.skipReason(container("host", optedIn)).orElseThrow().contains("--network host"));
            assertTrue(policy.skipReason(container("none", optedIn)).orElseThrow().contains("--network none"));
            assertTrue(policy.skipReason(container("container:abc123", optedIn)).orElseThrow().contains("container:"));
        }
    }

    @Test
    void theLabelOptsOutInAllModeAndInInLabelledMode() {
        AttachPolicy all = new AttachPolicy(AttachMode.ALL);
        AttachPolicy labelled = new AttachPolicy(AttachMode.LABELLED);
        assertTrue(all.skipReason(container("default", Map.of(AttachPolicy.LABEL, "false"))).orElseThrow().contains("opted out"));
        assertTrue(all.skipReason(container("default", Map.of(AttachPolicy.LABEL, " FALSE "))).isPresent());
        assertEquals(Optional.empty(), labelled.skipReason(container("default", Map.of(AttachPolicy.LABEL, "True"))));
        assertTrue(labelled.skipReason(container("default", Map.of())).orElseThrow().contains("not labelled"));
        assertTrue(labelled.skipReason(container("default", Map.of(AttachPolicy.LABEL, "false"))).isPresent());
    }

    @Test
    void aLabelThatIsNeitherTrueNorFalseIsSkippedWithTheValueShown() {
        assertEquals(Optional.of("label dev.overlayd.attach=yes is neither true nor false"),
                new AttachPolicy(AttachMode.ALL).skipReason(container("default", Map.of(AttachPolicy.LABEL, "yes"))));
    }
}
