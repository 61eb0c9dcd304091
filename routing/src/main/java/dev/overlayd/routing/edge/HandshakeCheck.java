package dev.overlayd.routing.edge;

import java.io.IOException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * A TLS handshake in memory with a newly read certificate, before any client gets it: a key that
 * is not the certificate's is accepted by the context builder and would fail every handshake
 * instead. The client here trusts any chain (that is the CA's business), but it does check the
 * server's signature, which only the certificate's own key makes.
 */
final class HandshakeCheck {
    /** Enough round trips for a TLS 1.2 or 1.3 handshake, with room. */
    private static final int ROUNDS = 8;

    private HandshakeCheck() {}

    /** @throws IOException saying why the handshake with {@code server} failed */
    static void check(SslContext server, SslProvider provider) throws IOException {
        EmbeddedChannel serverSide = null;
        EmbeddedChannel clientSide = null;
        try {
            SslContext client = SslContextBuilder.forClient().sslProvider(provider)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            SslHandler serverHandler = server.newHandler(ByteBufAllocator.DEFAULT);
            SslHandler clientHandler = client.newHandler(ByteBufAllocator.DEFAULT);
            serverSide = new EmbeddedChannel(serverHandler);
            clientSide = new EmbeddedChannel(clientHandler);
            for (int i = 0; i < ROUNDS && !(serverHandler.handshakeFuture().isDone() && clientHandler.handshakeFuture().isDone()); i++) {
                relay(clientSide, serverSide);
                relay(serverSide, clientSide);
            }
            Throwable failure = serverHandler.handshakeFuture().cause() != null ? serverHandler.handshakeFuture().cause()
                    : clientHandler.handshakeFuture().cause();
            if (failure != null) {
                throw new IOException("a TLS handshake with it fails (is the key the certificate's?): " + failure.getMessage());
            }
            if (!serverHandler.handshakeFuture().isSuccess()) {
                throw new IOException("a TLS handshake with it does not complete");
            }
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("a TLS handshake with it fails (is the key the certificate's?): " + cause.getMessage(), e);
        } finally {
            if (serverSide != null) {
                serverSide.finishAndReleaseAll();
            }
            if (clientSide != null) {
                clientSide.finishAndReleaseAll();
            }
        }
    }

    private static void relay(EmbeddedChannel from, EmbeddedChannel to) {
        for (ByteBuf bytes; (bytes = from.readOutbound()) != null; ) {
            to.writeInbound(bytes);
        }
    }
}
