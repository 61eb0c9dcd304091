package dev.overlayd.cli.control;

import java.io.IOException;

/** What the control socket asks of a node in cluster mode. */
public interface ClusterControl {
    ClusterStatus members();

    /** Adopts a CA-signed revocation list (DER) and spreads it to the cluster. */
    void revoke(byte[] revocationList) throws IOException;
}
