package dev.overlayd.cli.control;

import java.io.IOException;

/** What the control socket asks of a node in cluster mode. */
public interface ClusterControl {
    ClusterStatus members();

    /**
     * Publishes a static host (its certificate, DER) to the cluster and returns the cluster, whose
     * nodes the host is to configure as its peers.
     */
    ClusterStatus host(byte[] certificate) throws IOException;

    /** Adopts a CA-signed revocation list (DER) and spreads it to the cluster. */
    void revoke(byte[] revocationList) throws IOException;
}
