package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any file handed to overlayd as a wg-quick configuration: it parses, or is refused with a
 * ConfigException that says what is wrong; no other exception escapes the parser.
 */
class WgQuickConfigFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void wgQuickFile(byte[] contents) throws IOException {
        Path file = dir.resolve("wg0.conf");
        Files.write(file, contents);
        try {
            assertNotNull(WgQuickConfig.parse(file).iface());
        } catch (ConfigException e) {
            assertFalse(e.problem() == null || e.problem().isBlank(), "a refusal that says nothing");
        }
    }
}
