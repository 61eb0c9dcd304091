package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any overlay.yaml: it gives a configuration, or a ConfigException that says what is wrong; no
 * Jackson, number-format or other runtime exception escapes the parser.
 */
class ClusterConfigFuzzTest {
    private static Path dir;
    private static Path file;

    @BeforeAll
    static void directory() throws IOException {
        dir = Files.createTempDirectory("overlay-yaml-fuzz");
        file = dir.resolve("overlay.yaml");
    }

    @AfterAll
    static void clean() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @FuzzTest
    void overlayYaml(byte[] contents) throws IOException {
        Files.write(file, contents);
        try {
            assertNotNull(ClusterConfig.parse(file).interfaceName());
        } catch (ConfigException e) {
            assertFalse(e.problem() == null || e.problem().isBlank(), "a refusal that says nothing");
        }
    }
}
