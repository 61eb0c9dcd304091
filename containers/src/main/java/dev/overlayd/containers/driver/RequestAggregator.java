package dev.overlayd.containers.driver;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/** Whole requests for the handler; one too large is answered as every refusal is, in JSON, and the connection closed. */
final class RequestAggregator extends HttpObjectAggregator {
    private static final Logger LOG = System.getLogger(RequestAggregator.class.getName());

    private final int maxContentLength;

    RequestAggregator(int maxContentLength) {
        super(maxContentLength);
        this.maxContentLength = maxContentLength;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        LOG.log(Level.WARNING, "network driver: request over {0} bytes refused", Integer.toString(maxContentLength));
        byte[] body = ("{\"Err\":\"request over " + maxContentLength + " bytes\"}").getBytes(StandardCharsets.UTF_8);
        DriverHttpHandler.reply(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, body, false);
    }
}
