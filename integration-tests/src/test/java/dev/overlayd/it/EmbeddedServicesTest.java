package dev.overlayd.it;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** Service discovery on the embedded backend: instances pushed to every member over the overlay. */
class EmbeddedServicesTest extends ServicesTest {
    @TempDir
    static Path dir;

    @Override
    Path dir() {
        return dir;
    }

    @Override
    List<Path> hosts(Cluster cluster) throws Exception {
        return List.of(cluster.addHost(1, "3s"), cluster.addHost(2, "3s", 1), cluster.addHost(3, "3s", 1));
    }
}
