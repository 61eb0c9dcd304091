package dev.overlayd.peers.socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** What a {@link UnixSocketServer} speaks on each connection. */
@FunctionalInterface
public interface SocketProtocol {
    /** Serves one connection until it ends; the server closes the streams afterwards. */
    void serve(InputStream in, OutputStream out) throws IOException;
}
