package dev.overlayd.it;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** Service discovery on the etcd backend: each node's instances under its lease, watched by every node. */
class EtcdServicesTest extends ServicesTest {
    @TempDir
    static Path dir;

    @Override
    Path dir() {
        return dir;
    }

    @Override
    List<Path> hosts(Cluster cluster) throws Exception {
        cluster.startEtcd();
        return List.of(cluster.addEtcdHost(1, "3s"), cluster.addEtcdHost(2, "3s"), cluster.addEtcdHost(3, "3s"));
    }
}
