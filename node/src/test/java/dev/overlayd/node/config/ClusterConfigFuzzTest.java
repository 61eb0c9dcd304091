package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any overlay.yaml: it gives a configuration, or a ConfigException that says what is wrong; no
 * Jackson, number-format or other runtime exception escapes the parser.
 */
class ClusterConfigFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void overlayYaml(byte[] contents) throws IOException {
        Path file = dir.resolve("overlay.yaml");
        Files.write(file, contents);
        try {
            assertNotNull(ClusterConfig.parse(file).interfaceName());
        } catch (ConfigException e) {
            assertFalse(e.problem() == null || e.problem().isBlank(), "a refusal that says nothing");
        }
    }
}
