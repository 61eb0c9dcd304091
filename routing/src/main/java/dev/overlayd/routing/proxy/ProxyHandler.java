package dev.overlayd.routing.proxy;

import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import dev.overlayd.routing.edge.ClientConnection;
import dev.overlayd.routing.edge.ErrorResponse;
import dev.overlayd.routing.edge.Http1Handlers;

/**
 * The request handler of one HTTP/1.1 client connection or one HTTP/2 stream: each request to a copy
 * of its route, one at a time (pipelined requests wait their turn), bodies streamed both ways with
 * read backpressure (the client is read while the copy's connection can take more, the copy while
 * the client can), a connect failure retried once on another copy, and one audit line per request
 * however it ends. Everything runs on the client channel's event loop, the copy's connection too.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements UpstreamHandler.Owner {
    private enum State { IDLE, CONNECTING, FORWARDING, ANSWERED, RELAYING }

    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final Proxy proxy;
    /** What the client sent that is not handled yet: the rest of a request whose copy is not connected, or the next requests. */
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean http2;

    private State state = State.IDLE;
    private Exchange exchange;
    private HttpRequest upstreamRequest;
    private HttpVersion clientVersion;
    private boolean clientKeepAlive;
    private boolean bodyExpected;
    private boolean websocket;
    private boolean expectContinue;
    private boolean retried;
    private boolean reused;
    private boolean requestDone;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean upstreamKeepAlive;
    private boolean upgraded;
    private boolean closeAfter;
    private boolean upstreamReadWanted;
    private Channel upstream;
    private ScheduledFuture<?> responseTimer;
    /** The last write to the client: a connection that ends is closed once it is out. */
    private ChannelFuture lastWrite;

    ProxyHandler(Proxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
        http2 = ctx.channel() instanceof Http2StreamChannel;
        // Reads are asked for one at a time: that is the backpressure and the one-request-at-a-time.
        ctx.channel().config().setAutoRead(false);
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        context.read();
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof FullHttpRequest full) {
            // Its head and its body take separate turns: the body waits for the copy's connection.
            inbound.add(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
            inbound.add(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else {
            inbound.add(msg);
        }
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        readIfWanted();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (context.channel().isWritable() && upstreamReadWanted && upstream != null) {
            upstreamReadWanted = false;
            upstream.read();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        inbound.forEach(ReferenceCountUtil::release);
        inbound.clear();
        if (exchange != null && state != State.RELAYING) {
            if (!responseStarted) {
                exchange.status = Exchange.CLIENT_CLOSED;
            }
            abortUpstream();
            finish();
        }
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // A client's connection failing (reset, TLS) is no error of the proxy's: it ends.
        context.close();
    }

    private void drain() {
        boolean wrote = false;
        while (!inbound.isEmpty() && ready()) {
            Object next = inbound.pollFirst();
            if (next instanceof HttpRequest request) {
                begin(request);
            } else if (next instanceof HttpContent content) {
                wrote |= body(content);
            } else {
                ReferenceCountUtil.release(next);
            }
        }
        if (wrote && upstream != null) {
            upstream.flush();
        }
        readIfWanted();
    }

    /** Whether the first of {@link #inbound} may be handled now. */
    private boolean ready() {
        if (exchange == null) {
            return true;
        }
        if (requestDone) {
            return false;
        }
        return switch (state) {
            case CONNECTING, RELAYING, IDLE -> false;
            case FORWARDING -> upstream != null && upstream.isWritable();
            case ANSWERED -> true;
        };
    }

    private void readIfWanted() {
        if (!inbound.isEmpty() || !ctx.channel().isActive() || state == State.RELAYING || closeAfter) {
            return;
        }
        if (exchange == null || (!requestDone && (state == State.ANSWERED
                || (state == State.FORWARDING && upstream != null && upstream.isWritable())))) {
            ctx.read();
        }
    }

    private void begin(HttpRequest request) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        String requestId = RequestId.of(request.headers().get(ForwardedHeaders.X_REQUEST_ID));
        exchange = new Exchange(proxy.clock.instant(), proxy.nanos.getAsLong(), connection,
                http2 ? "HTTP/2" : request.protocolVersion().text(), request.method().name(),
                RouteTable.host(request.headers().get(HttpHeaderNames.HOST)), request.uri(), requestId);
        upstreamRequest = null;
        clientVersion = request.protocolVersion();
        clientKeepAlive = http2 || HttpUtil.isKeepAlive(request);
        requestDone = responseStarted = responseDone = upgraded = retried = closeAfter = false;
        upstreamReadWanted = false;
        bodyExpected = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (request.decoderResult().isFailure()) {
            answer(HttpResponseStatus.BAD_REQUEST, "the request could not be read");
            return;
        }
        String refused = RequestPath.refusal(exchange.path);
        if (refused != null) {
            answer(HttpResponseStatus.BAD_REQUEST, refused);
            return;
        }
        if (!proxy.log.accepting()) {
            answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "requests cannot be served now");
            return;
        }
        Route route = proxy.table().match(exchange.host, exchange.path);
        exchange.route = route;
        if (route == null) {
            answer(HttpResponseStatus.NOT_FOUND, "no route for this host and path");
            return;
        }
        long limit = proxy.config.limits().body();
        if (HttpUtil.getContentLength(request, 0L) > limit) {
            answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request body is larger than " + limit + " bytes");
            return;
        }
        Copy copy = Balancer.choose(route.healthy(), null, proxy.nanos.getAsLong(), ThreadLocalRandom.current());
        if (copy == null) {
            answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "no copy of the service is available");
            return;
        }
        websocket = !http2 && HopByHop.websocket(request.headers());
        expectContinue = HttpUtil.is100ContinueExpected(request);
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        HttpHeaders headers = request.headers().copy();
        HopByHop.remove(headers, websocket);
        // The proxy says 100 Continue itself once a copy is connected, as nginx does.
        headers.remove(HttpHeaderNames.EXPECT);
        if (http2) {
            for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
                headers.remove(name.text());
            }
        }
        ForwardedHeaders.apply(headers, connection, requestId);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        String uri = request.uri().startsWith("/") ? request.uri() : Exchange.originForm(request.uri());
        upstreamRequest = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, headers);
        connect(copy, false);
    }

    private void connect(Copy copy, boolean fresh) {
        state = State.CONNECTING;
        exchange.copy = copy;
        copy.inFlight.incrementAndGet();
        ChannelFuture future = proxy.pool.acquire(ctx.channel().eventLoop(), copy, fresh);
        if (future.isDone()) {
            connected(future, copy);
        } else {
            future.addListener(f -> connected(future, copy));
        }
    }

    private void connected(ChannelFuture future, Copy copy) {
        if (exchange == null || exchange.copy != copy || state != State.CONNECTING) {
            // The client went away meanwhile.
            if (future.isSuccess()) {
                future.channel().close();
            }
            return;
        }
        if (!future.isSuccess()) {
            boolean timeout = future.cause() instanceof ConnectTimeoutException;
            failed(copy, timeout ? "connect timeout" : future.cause() instanceof ConnectException ? "connect refused" : "connect failed");
            unbind();
            Copy other = retried ? null
                    : Balancer.choose(exchange.route.healthy(), copy, proxy.nanos.getAsLong(), ThreadLocalRandom.current());
            if (other != null) {
                // Nothing was sent: the request may go to another copy, once.
                retried = true;
                connect(other, false);
                return;
            }
            if (timeout) {
                answer(HttpResponseStatus.GATEWAY_TIMEOUT, "the service did not accept the connection in time");
            } else {
                answer(HttpResponseStatus.BAD_GATEWAY, "the service could not be reached");
            }
            return;
        }
        upstream = future.channel();
        UpstreamHandler handler = (UpstreamHandler) upstream.pipeline().get(UpstreamPool.HANDLER);
        reused = handler.reused();
        handler.attach(this);
        upstream.writeAndFlush(upstreamRequest);
        upstream.read();
        state = State.FORWARDING;
        if (expectContinue) {
            lastWrite = ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        drain();
    }

    /** A piece of the request body: to the copy, or dropped once the request is answered. @return whether it was written to the copy */
    private boolean body(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (state != State.FORWARDING) {
            content.release();
            if (last) {
                requestDone = true;
                if (responseDone) {
                    finish();
                }
            }
            return false;
        }
        exchange.bytesIn += content.content().readableBytes();
        if (exchange.bytesIn > proxy.config.limits().body()) {
            content.release();
            tooLarge();
            return false;
        }
        upstream.write(content);
        if (last) {
            requestDone = true;
            responseTimer = ctx.executor().schedule(this::responseTimeout,
                    proxy.config.timeouts().upstreamResponse().toNanos(), TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /** A chunked body went over the limit: 413 if nothing was answered yet, else the connection (or stream) is cut. */
    private void tooLarge() {
        abortUpstream();
        if (!responseStarted) {
            answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "the request body is larger than " + proxy.config.limits().body() + " bytes");
        } else {
            closeAfter = true;
            finish();
        }
    }

    private void responseTimeout() {
        if (exchange == null || responseStarted || upstream == null) {
            return;
        }
        failed(exchange.copy, "response timeout");
        abortUpstream();
        answer(HttpResponseStatus.GATEWAY_TIMEOUT, "the service did not answer in time");
    }

    @Override
    public void upstreamRead(Object msg) {
        if (exchange == null || state != State.FORWARDING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                failed(exchange.copy, "invalid response");
                abortUpstream();
                if (responseStarted) {
                    closeAfter = true;
                    finish();
                } else {
                    answer(HttpResponseStatus.BAD_GATEWAY, "the service sent an invalid response");
                }
                return;
            }
            if (!responseHead(response)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            responseBody(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** @return false when it is an interim response (100 Continue, 103) that is not passed on */
    private boolean responseHead(HttpResponse response) {
        int code = response.status().code();
        if (code / 100 == 1 && code != 101) {
            return false;
        }
        cancelResponseTimer();
        Copy copy = exchange.copy;
        if (code == 502 || code == 503 || code == 504) {
            failed(copy, "answered " + code);
        } else {
            copy.ejection.success(proxy.nanos.getAsLong());
        }
        responseStarted = true;
        exchange.status = code;
        upgraded = code == 101 && websocket;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response) && !upgraded;
        HttpHeaders headers = response.headers();
        HopByHop.remove(headers, upgraded);
        headers.set(ForwardedHeaders.X_REQUEST_ID, exchange.requestId);
        if (!upgraded && !HttpUtil.isContentLengthSet(response) && mayHaveBody(code) && !http2) {
            if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                closeAfter = true;
            }
        }
        if (!http2 && (closeAfter || !clientKeepAlive)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        lastWrite = ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(), headers));
        return true;
    }

    private boolean mayHaveBody(int code) {
        return code != 204 && code != 304 && code >= 200 && !exchange.method.equals(HttpMethod.HEAD.name());
    }

    private void responseBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (!responseStarted) {
            // The end of an interim response.
            content.release();
            return;
        }
        if (upgraded) {
            content.release();
            if (last) {
                relay();
            }
            return;
        }
        exchange.bytesOut += content.content().readableBytes();
        lastWrite = ctx.write(content);
        if (last) {
            responseDone = true;
            ctx.flush();
            Channel connection = upstream;
            upstream = null;
            if (requestDone && upstreamKeepAlive) {
                proxy.pool.release(exchange.copy, connection);
            } else {
                ((UpstreamHandler) connection.pipeline().get(UpstreamPool.HANDLER)).detach();
                connection.close();
            }
            if (!requestDone) {
                // Answered before the body was all sent: the rest of it is not read.
                closeAfter = true;
            }
            finish();
        }
    }

    @Override
    public void upstreamReadComplete() {
        if (state == State.RELAYING) {
            return;
        }
        ctx.flush();
        if (upstream == null) {
            return;
        }
        if (ctx.channel().isWritable()) {
            upstream.read();
        } else {
            upstreamReadWanted = true;
        }
    }

    @Override
    public void upstreamWritable() {
        drain();
    }

    @Override
    public void upstreamClosed(Throwable cause) {
        if (exchange == null || upstream == null || state == State.RELAYING) {
            return;
        }
        upstream = null;
        cancelResponseTimer();
        if (!responseStarted && reused && !retried && replayable()) {
            resend();
            return;
        }
        failed(exchange.copy, cause == null ? "connection closed" : "connection reset");
        if (responseStarted) {
            // A response cut off can only be passed on as one: the client's connection (or stream) ends.
            closeAfter = true;
            finish();
        } else {
            answer(HttpResponseStatus.BAD_GATEWAY, "the service closed the connection before answering");
        }
    }

    /**
     * A kept-alive connection closed before any of the response came: the copy closed it as the
     * request went out (an idle timeout, or a stop that drains its connections), a race a client of
     * keep-alive connections cannot avoid. RFC 9112 §9.3.1 lets it send an idempotent request again;
     * without a body there is nothing streamed that could not be, so it goes out once more on a new
     * connection, to another copy if there is one. A copy that closes new connections too still
     * gets its 502.
     */
    private boolean replayable() {
        return !bodyExpected && !websocket && IDEMPOTENT.contains(upstreamRequest.method());
    }

    private void resend() {
        retried = true;
        unbind();
        Copy copy = exchange.copy;
        Copy other = Balancer.choose(exchange.route.healthy(), copy, proxy.nanos.getAsLong(), ThreadLocalRandom.current());
        if (requestDone) {
            // The request's end went to the closed connection; it has no body, so its end is all there is.
            requestDone = false;
            inbound.addFirst(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        connect(other != null ? other : copy, true);
    }

    /** The copy said 101 to a WebSocket upgrade: from now on both connections carry bytes. */
    private void relay() {
        state = State.RELAYING;
        ctx.flush();
        Channel connection = upstream;
        upstream = null;
        Exchange e = exchange;
        Copy copy = e.copy;
        ByteRelay[] relays = ByteRelay.pair(ctx.channel(), connection, (in, out) -> {
            e.bytesIn += in;
            e.bytesOut += out;
            copy.inFlight.decrementAndGet();
            proxy.completed(e);
        });
        connection.pipeline().replace(UpstreamPool.HANDLER, "relay", relays[1]);
        connection.pipeline().remove(UpstreamPool.CODEC);
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "relay", relays[0]);
        pipeline.remove(this);
        Http1Handlers.remove(pipeline);
    }

    /** The proxy answers itself (no route, no copy, a failure): the error, then the connection goes on or ends. */
    private void answer(HttpResponseStatus status, String detail) {
        cancelResponseTimer();
        state = State.ANSWERED;
        exchange.status = status.code();
        responseStarted = responseDone = true;
        if (!requestDone && bodyExpected || status.code() == 400) {
            // Its body is not read: the connection cannot carry another request.
            closeAfter = true;
        }
        FullHttpResponse response = ErrorResponse.of(status, detail);
        response.headers().set(ForwardedHeaders.X_REQUEST_ID, exchange.requestId);
        if (!http2 && (closeAfter || !clientKeepAlive)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        exchange.bytesOut += response.content().readableBytes();
        lastWrite = ctx.writeAndFlush(response);
        if (requestDone || closeAfter) {
            finish();
        }
    }

    /** The request is over: accounted once; then the next one, or the end of the connection. */
    private void finish() {
        Exchange e = exchange;
        if (e == null) {
            return;
        }
        cancelResponseTimer();
        unbind();
        exchange = null;
        state = State.IDLE;
        proxy.completed(e);
        ChannelFuture written = lastWrite;
        lastWrite = null;
        if (closeAfter || !clientKeepAlive) {
            ctx.flush();
            if (written == null) {
                ctx.close();
            } else {
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        drain();
    }

    private void failed(Copy copy, String reason) {
        long now = proxy.nanos.getAsLong();
        copy.errors.increment();
        copy.ejection.failure(now, exchange.route.mayEject(now));
        proxy.log.upstreamFailed(copy.service(), reason);
    }

    /** The request no longer holds its copy's in-flight count. */
    private void unbind() {
        if (exchange != null && exchange.copy != null && state != State.RELAYING) {
            exchange.copy.inFlight.decrementAndGet();
            exchange.copy.requests.increment();
            if (state == State.CONNECTING) {
                // A connect that failed: the copy it was meant for is no longer the request's.
                exchange.copy = null;
            }
        }
    }

    /** The copy's connection is given up mid-request: closed, never pooled. */
    private void abortUpstream() {
        Channel connection = upstream;
        upstream = null;
        if (connection != null) {
            ((UpstreamHandler) connection.pipeline().get(UpstreamPool.HANDLER)).detach();
            connection.close();
        }
    }

    private void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }
}
