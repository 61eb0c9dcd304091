package dev.overlayd.containers.docker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overlayd.peers.IpPrefix;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The few calls of the Docker Engine API the attach agent and the service registration need,
 * over dockerd's Unix socket. Netty rather than docker-java: Netty is already the project's I/O library (the driver serves its
 * socket with it), only eight endpoints are used, and docker-java brings a large dependency tree
 * and a model of its own for them. One connection per request (dockerd's are cheap, and a failed
 * one then never poisons the next); the events stream holds its own.
 *
 * <p>Calls block for at most {@link #TIMEOUT_SECONDS} and are made from one thread at a time
 * (its follower's: the attach agent and the registration have one each); {@link #negotiate} must
 * come first.
 */
public final class DockerClient implements AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
    static final long TIMEOUT_SECONDS = 30;
    /** The largest reply read: an inspect is a few KiB, unless a container's labels or environment are huge. */
    private static final int MAX_REPLY = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private volatile String prefix;

    public DockerClient(Path socket) {
        this.socket = socket;
    }

    /** DOCKER_HOST's form for a Unix socket, {@code unix:///var/run/docker.sock}, to its path; anything else is refused. */
    public static Path socketOf(String dockerHost) {
        URI uri;
        try {
            uri = URI.create(dockerHost.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a unix:///PATH address: '" + dockerHost + "'");
        }
        if (!"unix".equals(uri.getScheme()) || uri.getPath() == null || !uri.getPath().startsWith("/")
                || uri.getRawAuthority() != null || uri.getQuery() != null) {
            throw new IllegalArgumentException("not a unix:///PATH address (only dockerd's Unix socket is supported): '"
                    + dockerHost + "'");
        }
        return Path.of(uri.getPath());
    }

    public Path socket() {
        return socket;
    }

    /** GET /_ping: the daemon's API version, and from now on min(it, 1.41) is spoken; older than 1.25 is refused. */
    public ApiVersion negotiate() throws IOException {
        FullResponse ping = exchange(HttpMethod.GET, "/_ping", null);
        if (ping.status != 200) {
            throw new DockerException(ping.status, "dockerd refused /_ping: " + ping.message());
        }
        String offered = ping.apiVersion;
        if (offered == null) {
            throw new IOException("dockerd at " + socket + " did not say its API version (older than "
                    + ApiVersion.OLDEST + "?)");
        }
        ApiVersion daemon;
        try {
            daemon = ApiVersion.parse(offered);
        } catch (IllegalArgumentException e) {
            throw new IOException("dockerd at " + socket + ": " + e.getMessage());
        }
        ApiVersion spoken = ApiVersion.negotiate(daemon).orElseThrow(() -> new IOException("dockerd at " + socket
                + " speaks API " + daemon + "; overlayd needs " + ApiVersion.OLDEST + " or newer (Docker 1.13)"));
        prefix = "/v" + spoken;
        return spoken;
    }

    /** GET /containers/json?all=1: the ids of every container, running or not. */
    public List<String> containerIds() throws IOException {
        return ids("/containers/json?all=1");
    }

    /** GET /containers/json: the ids of the containers running (or paused) now. */
    public List<String> runningContainerIds() throws IOException {
        return ids("/containers/json");
    }

    private List<String> ids(String path) throws IOException {
        List<String> ids = new ArrayList<>();
        call(HttpMethod.GET, path, null).forEach(c -> ids.add(c.path("Id").asText()));
        return ids;
    }

    /** GET /containers/{id}/json; empty when there is no such container (any more). */
    public Optional<ContainerInfo> container(String id) throws IOException {
        return optional(() -> ContainerInfo.from(call(HttpMethod.GET, "/containers/" + encode(id) + "/json", null)));
    }

    /** GET /networks/{name or id}; empty when there is none. */
    public Optional<NetworkInfo> network(String nameOrId) throws IOException {
        return optional(() -> NetworkInfo.from(call(HttpMethod.GET, "/networks/" + encode(nameOrId), null)));
    }

    /** POST /networks/create with one IPv4 pool and its gateway; returns the new network's id. */
    public String createNetwork(String name, String driver, IpPrefix subnet, InetAddress gateway) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("Name", name).put("Driver", driver).put("CheckDuplicate", true);
        body.putObject("IPAM").put("Driver", "default").putArray("Config").addObject()
                .put("Subnet", subnet.toString()).put("Gateway", gateway.getHostAddress());
        return call(HttpMethod.POST, "/networks/create", body).path("Id").asText();
    }

    public void removeNetwork(String id) throws IOException {
        call(HttpMethod.DELETE, "/networks/" + encode(id), null);
    }

    /**
     * POST /networks/{id}/connect with the address asked of the network's IPAM. A created container
     * keeps it in its endpoint config and gets the interface when it starts, and on every restart.
     */
    public void connect(String network, String container, InetAddress address) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("Container", container);
        body.putObject("EndpointConfig").putObject("IPAMConfig").put("IPv4Address", address.getHostAddress());
        call(HttpMethod.POST, "/networks/" + encode(network) + "/connect", body);
    }

    public void disconnect(String network, String container) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("Container", container).put("Force", true);
        call(HttpMethod.POST, "/networks/" + encode(network) + "/disconnect", body);
    }

    /**
     * GET /events filtered to {@code types} ("container", "network", ...) and {@code actions} of
     * any of them ("start", "connect"; "health_status" takes in each "health_status: healthy"):
     * returns once dockerd has answered (so nothing that happens after the return is missed), then
     * hands each event to {@code onEvent} and, once, the end of the stream (a close, dockerd gone,
     * bad data) to {@code onEnd}, both on the client's I/O thread. Closing the stream ends it
     * without calling {@code onEnd}.
     */
    public EventStream events(List<String> types, List<String> actions, Consumer<DockerEvent> onEvent,
                              Consumer<IOException> onEnd) throws IOException {
        ObjectNode filters = JSON.createObjectNode();
        types.forEach(filters.putArray("type")::add);
        actions.forEach(filters.putArray("event")::add);
        String path = prefix + "/events?filters=" + URLEncoder.encode(filters.toString(), StandardCharsets.UTF_8);
        EventLines lines = new EventLines(onEvent, onEnd);
        Channel channel = open(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), lines);
            }
        });
        channel.writeAndFlush(request(HttpMethod.GET, path, null));
        await(lines.answered, "GET /events");
        return new EventStream(channel, lines);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    /** An open /events stream. */
    public static final class EventStream implements AutoCloseable {
        private final Channel channel;
        private final EventLines lines;

        private EventStream(Channel channel, EventLines lines) {
            this.channel = channel;
            this.lines = lines;
        }

        @Override
        public void close() {
            lines.closedByUs = true;
            channel.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private interface Body<T> {
        T get() throws IOException;
    }

    private static <T> Optional<T> optional(Body<T> body) throws IOException {
        try {
            return Optional.of(body.get());
        } catch (DockerException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A call of the negotiated API: its JSON reply ({@code null} when empty), or dockerd's refusal as a {@link DockerException}. */
    private JsonNode call(HttpMethod method, String path, JsonNode body) throws IOException {
        if (prefix == null) {
            throw new IllegalStateException("negotiate() first");
        }
        FullResponse response = exchange(method, prefix + path, body);
        if (response.status / 100 != 2) {
            throw new DockerException(response.status, method + " " + path + ": " + response.message());
        }
        return response.json();
    }

    private record FullResponse(int status, String apiVersion, byte[] body) {
        JsonNode json() throws IOException {
            if (body.length == 0) {
                return JSON.nullNode();
            }
            try {
                return JSON.readTree(body);
            } catch (JacksonException e) {
                throw new IOException("dockerd's reply is not JSON: " + e.getOriginalMessage());
            }
        }

        /** Docker's errors are {"message": "..."}; a proxy's may be anything. */
        String message() {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            try {
                JsonNode json = JSON.readTree(text);
                if (json != null && json.hasNonNull("message")) {
                    return json.get("message").asText();
                }
            } catch (JacksonException e) {
                // not JSON: the text itself, below
            }
            return "HTTP " + status + (text.isEmpty() ? "" : " " + text);
        }
    }

    private FullResponse exchange(HttpMethod method, String path, JsonNode body) throws IOException {
        CompletableFuture<FullResponse> reply = new CompletableFuture<>();
        Channel channel = open(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_REPLY),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                                reply.complete(new FullResponse(response.status().code(),
                                        response.headers().get("API-Version"), ByteBufUtil.getBytes(response.content())));
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                reply.completeExceptionally(new IOException("dockerd closed the connection"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                // Netty's own text of it quotes the whole response.
                                reply.completeExceptionally(cause instanceof TooLongFrameException
                                        ? new IOException("dockerd's reply to " + method + " " + path + " is over "
                                                + (MAX_REPLY >> 20) + " MiB")
                                        : cause);
                                ctx.close();
                            }
                        });
            }
        });
        try {
            channel.writeAndFlush(request(method, path, body));
            return await(reply, method + " " + path);
        } finally {
            channel.close();
        }
    }

    private Channel open(ChannelInitializer<Channel> initializer) throws IOException {
        var connect = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class).handler(initializer)
                .connect(new DomainSocketAddress(socket.toFile()));
        if (!connect.awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            connect.channel().close();
            throw new IOException("connecting to dockerd at " + socket + " timed out");
        }
        if (!connect.isSuccess()) {
            throw new IOException("cannot connect to dockerd at " + socket + ": " + whyNot(connect.cause()));
        }
        return connect.channel();
    }

    private static FullHttpRequest request(HttpMethod method, String path, JsonNode body) {
        ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER
                : Unpooled.wrappedBuffer(body.toString().getBytes(StandardCharsets.UTF_8));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, content);
        // dockerd wants a Host, any will do on a Unix socket.
        request.headers().set(HttpHeaderNames.HOST, "docker")
                .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (body != null) {
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        return request;
    }

    private <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(what + " to dockerd at " + socket + " failed: " + describe(e.getCause()));
        } catch (TimeoutException e) {
            throw new IOException(what + " to dockerd at " + socket + ": no answer in " + TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " interrupted");
        }
    }

    /** Ids and names are Docker's own, but a name is whatever the user typed. */
    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Netty's text repeats the path and the syscall: ENOENT comes as a FileNotFoundException, and
     * a refused or denied connect as an annotated copy with the errno only in its text.
     */
    private static String whyNot(Throwable t) {
        String text = describe(t);
        if (t instanceof java.io.FileNotFoundException) {
            return "no such socket (dockerd is not running?)";
        }
        if (text.contains("Connection refused")) {
            return "connection refused (dockerd is not running)";
        }
        if (text.contains("Permission denied")) {
            return "permission denied (overlayd must run as root)";
        }
        return text;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The body of /events: newline-delimited JSON, in chunks that need not end on a line. */
    private static final class EventLines extends SimpleChannelInboundHandler<HttpObject> {
        private final Consumer<DockerEvent> onEvent;
        private final Consumer<IOException> onEnd;
        final CompletableFuture<Void> answered = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        volatile boolean closedByUs;
        private boolean ended;

        EventLines(Consumer<DockerEvent> onEvent, Consumer<IOException> onEnd) {
            this.onEvent = onEvent;
            this.onEnd = onEnd;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
            if (message instanceof HttpResponse response) {
                if (response.status().code() != 200) {
                    answered.completeExceptionally(new DockerException(response.status().code(),
                            "GET /events: HTTP " + response.status()));
                    ctx.close();
                    return;
                }
                answered.complete(null);
            }
            if (message instanceof HttpContent content) {
                partial.append(content.content().toString(StandardCharsets.UTF_8));
                int newline;
                while ((newline = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, newline).strip();
                    partial.delete(0, newline + 1);
                    if (!line.isEmpty() && !parse(ctx, line)) {
                        return;
                    }
                }
                if (message instanceof LastHttpContent) {
                    end(new IOException("dockerd ended the event stream"));
                    ctx.close();
                }
            }
        }

        private boolean parse(ChannelHandlerContext ctx, String line) {
            try {
                onEvent.accept(DockerEvent.from(JSON.readTree(line)));
                return true;
            } catch (JacksonException e) {
                end(new IOException("dockerd sent an event that is not JSON: " + e.getOriginalMessage()));
                ctx.close();
                return false;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answered.completeExceptionally(new IOException("dockerd closed the connection"));
            end(new IOException("dockerd closed the event stream"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answered.completeExceptionally(cause);
            end(new IOException("event stream: " + describe(cause)));
            ctx.close();
        }

        private void end(IOException why) {
            if (!ended && !closedByUs && answered.isDone() && !answered.isCompletedExceptionally()) {
                ended = true;
                onEnd.accept(why);
            }
        }
    }
}
