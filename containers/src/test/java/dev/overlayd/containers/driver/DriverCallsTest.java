package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's protocol as dockerd speaks it, through the same Netty pipeline a socket
 * connection gets (HTTP bytes in, HTTP bytes out), over a fake host network.
 */
class DriverCallsTest {
    static final NodeIdentity SELF = new NodeIdentity("node1", InetAddress.ofLiteral("100.64.1.1"),
            IpPrefix.parse("100.64.1.0/24"), List.of("web"), IpPrefix.parse("100.64.0.0/16"), "ovt1");
    static final String NETWORK = "a".repeat(64);
    static final String ENDPOINT = "0123456789abcdef".repeat(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;
    final FakeHostNetwork host = new FakeHostNetwork();
    final AtomicInteger mtu = new AtomicInteger(1420);
    EmbeddedChannel channel;

    record Reply(int status, String contentType, JsonNode body) {}

    @BeforeEach
    void connect() throws IOException {
        channel = driverChannel();
    }

    private EmbeddedChannel driverChannel() throws IOException {
        NetworkDriver driver = new NetworkDriver(SELF, mtu::get, host, DriverState.load(state));
        driver.restore();
        EmbeddedChannel ch = new EmbeddedChannel();
        PluginSocket.pipeline(ch, new PluginCalls(new DriverCalls(driver), new AuthZCalls(StartGate.OPEN, AuthZCalls.START_WAIT)));
        return ch;
    }

    Reply post(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return send("POST " + path + " HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body);
    }

    Reply send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.UTF_8));
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            decoder.writeInbound(out);
        }
        FullHttpResponse response = decoder.readInbound();
        try {
            return new Reply(response.status().code(), response.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    JSON.readTree(response.content().toString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new AssertionError("reply is not JSON: " + response.content().toString(StandardCharsets.UTF_8), e);
        } finally {
            response.release();
        }
    }

    String createNetwork(String pool, String gateway) {
        return """
                {"NetworkID":"%s","Options":{"com.docker.network.generic":{}},
                 "IPv4Data":[{"AddressSpace":"LocalDefault","Pool":"%s","Gateway":"%s","AuxAddresses":null}],
                 "IPv6Data":[]}""".formatted(NETWORK, pool, gateway);
    }

    String endpoint(String id, String address) {
        return """
                {"NetworkID":"%s","EndpointID":"%s","Options":{},
                 "Interface":{"Address":"%s","AddressIPv6":"","MacAddress":""}}""".formatted(NETWORK, id, address);
    }

    String call(String endpointId) {
        return "{\"NetworkID\":\"" + NETWORK + "\",\"EndpointID\":\"" + endpointId + "\"}";
    }

    void joined(String id, String address) {
        assertEquals(200, post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "100.64.1.1/24")).status());
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(id, address)).status());
        assertEquals(200, post("/NetworkDriver.Join", call(id).replace("}", ",\"SandboxKey\":\"/var/run/docker/netns/x\"}")).status());
    }

    static void assertErr(Reply reply, int status, String containing) {
        assertEquals(status, reply.status(), reply.body().toString());
        String err = reply.body().path("Err").asText();
        assertTrue(err.contains(containing), "error \"" + err + "\" should say " + containing);
    }

    @Test
    void activatesAsANetworkDriverWithLocalScope() {
        Reply activate = post("/Plugin.Activate", "null");
        assertEquals(200, activate.status());
        assertEquals("application/vnd.docker.plugins.v1.2+json", activate.contentType());
        assertEquals("{\"Implements\":[\"NetworkDriver\",\"authz\"]}", activate.body().toString());
        assertEquals("{\"Scope\":\"local\",\"ConnectivityScope\":\"local\"}",
                post("/NetworkDriver.GetCapabilities", "").body().toString());
    }

    @Test
    void joinGivesARoutedVethAndOnlyTheOverlayRoute() {
        mtu.set(1380);
        joined(ENDPOINT, "100.64.1.7/24");
        Reply join = post("/NetworkDriver.Join", call(ENDPOINT));
        assertEquals(200, join.status());
        assertEquals("ovp01234567", join.body().at("/InterfaceName/SrcName").asText());
        assertEquals("eth", join.body().at("/InterfaceName/DstPrefix").asText());
        assertEquals("[{\"Destination\":\"100.64.0.0/16\",\"RouteType\":0,\"NextHop\":\"100.64.1.1\"}]",
                join.body().get("StaticRoutes").toString());
        assertTrue(join.body().get("DisableGatewayService").asBoolean());
        assertFalse(join.body().has("Gateway"), "no gateway: the default route stays on Docker's bridge");
        assertEquals(1380, host.links.get("ovc01234567"));
        assertEquals(1380, host.inSandbox.get("ovp01234567"));
        assertEquals(InetAddress.ofLiteral("100.64.1.7"), host.routes.get("ovc01234567"));
        assertEquals("{\"Value\":{}}", post("/NetworkDriver.EndpointOperInfo", call(ENDPOINT)).body().toString());
        assertEquals("{}", post("/NetworkDriver.ProgramExternalConnectivity", call(ENDPOINT)).body().toString());
    }

    @Test
    void leaveDeletesTheVethAndDeleteForgetsTheEndpoint() {
        joined(ENDPOINT, "100.64.1.7/24");
        assertEquals("{}", post("/NetworkDriver.RevokeExternalConnectivity", call(ENDPOINT)).body().toString());
        assertEquals("{}", post("/NetworkDriver.Leave", call(ENDPOINT)).body().toString());
        assertTrue(host.links.isEmpty() && host.routes.isEmpty(), host.links.toString());
        assertEquals("{}", post("/NetworkDriver.DeleteEndpoint", call(ENDPOINT)).body().toString());
        assertErr(post("/NetworkDriver.Join", call(ENDPOINT)), 500, "unknown endpoint");
        assertEquals("{}", post("/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NETWORK + "\"}").body().toString());
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.1.7/24")), 500, "unknown network");
    }

    @Test
    void anEndpointDeletedWithoutLeaveTakesItsVethAlong() {
        joined(ENDPOINT, "100.64.1.7/24");
        assertEquals(200, post("/NetworkDriver.DeleteEndpoint", call(ENDPOINT)).status());
        assertTrue(host.links.isEmpty(), host.links.toString());
    }

    @Test
    void onlyThisNodesContainerSubnetWithTheNodeAsGateway() {
        assertErr(post("/NetworkDriver.CreateNetwork", createNetwork("100.64.2.0/24", "100.64.2.1/24")), 500,
                "--subnet 100.64.1.0/24 --gateway 100.64.1.1");
        assertErr(post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "100.64.1.254/24")), 500,
                "not this node's container subnet");
        assertErr(post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "x")), 500, "not address/length");
        assertErr(post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "100.64.1.1/24")
                .replace("\"IPv6Data\":[]", "\"IPv6Data\":[{\"Pool\":\"fd00::/64\",\"Gateway\":\"fd00::1/64\"}]")), 500, "IPv4 only");
        assertErr(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + NETWORK + "\",\"IPv4Data\":[]}"), 500,
                "exactly one pool");
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.1.7/24")), 500, "unknown network");
    }

    @Test
    void anEndpointNeedsAContainerAddressFromThePool() {
        assertEquals(200, post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "100.64.1.1/24")).status());
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.2.7/24")), 500, "not a container address");
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.1.1/24")), 500, "not a container address");
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "")), 500, "has no address");
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint("../../etc", "100.64.1.7/24")), 500, "hex digits");
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.1.7/24")).status());
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint("01234567" + "f".repeat(56), "100.64.1.8/24")), 500,
                "shares its first 8 digits");
    }

    @Test
    void aFailedJoinLeavesNoVeth() {
        assertEquals(200, post("/NetworkDriver.CreateNetwork", createNetwork("100.64.1.0/24", "100.64.1.1/24")).status());
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(ENDPOINT, "100.64.1.7/24")).status());
        host.failNextRoute = "RTNETLINK answers: File exists";
        assertErr(post("/NetworkDriver.Join", call(ENDPOINT)), 500, "RTNETLINK answers: File exists");
        assertTrue(host.links.isEmpty(), host.links.toString());
    }

    @Test
    void junkGetsAJsonErrorAndTheConnectionServesOn() {
        assertErr(post("/NetworkDriver.CreateNetwork", "{\"NetworkID\":"), 400, "malformed JSON");
        assertErr(post("/NetworkDriver.CreateNetwork", "[1,2]"), 400, "malformed JSON");
        assertErr(post("/NetworkDriver.CreateNetwork", "null"), 500, "no body");
        assertErr(post("/NetworkDriver.Join", ""), 400, "malformed JSON");
        assertErr(post("/NetworkDriver.Nonsense", "{}"), 404, "no such call: /NetworkDriver.Nonsense");
        assertErr(post("/NetworkDriver.Leave", call("zz")), 500, "EndpointID must be 8 to 64 hex digits");
        assertErr(send("GET /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n"), 405, "POST");
        assertEquals(200, post("/Plugin.Activate", "null").status());
        assertTrue(channel.isActive());
    }

    @Test
    void aRequestTooLargeIsAnsweredInJsonAndClosed() {
        assertErr(send("POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: plugin\r\nContent-Length: 2000000\r\n\r\n{"),
                413, "request over 1048576 bytes");
        channel.runPendingTasks();
        assertFalse(channel.isActive());
    }

    @Test
    void aRequestThatIsNotHttpIsAnsweredAndClosed() {
        assertErr(send("\u0001\u0002 nonsense\r\n\r\n"), 400, "malformed HTTP");
        channel.runPendingTasks();
        assertFalse(channel.isActive());
    }

    @Test
    void aRestartedDriverKnowsItsNetworksAndEndpoints() throws IOException {
        joined(ENDPOINT, "100.64.1.7/24");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(DriverState.FILE_NAME))));
        host.routes.clear();
        channel = driverChannel();
        assertEquals(InetAddress.ofLiteral("100.64.1.7"), host.routes.get("ovc01234567"), "route re-ensured on restart");
        assertEquals(200, post("/NetworkDriver.EndpointOperInfo", call(ENDPOINT)).status());
        assertEquals(200, post("/NetworkDriver.Leave", call(ENDPOINT)).status());
        assertEquals(200, post("/NetworkDriver.DeleteEndpoint", call(ENDPOINT)).status());
    }

    @Test
    void aRestartForgetsDeadContainersAndDeletesVethsNobodyOwns() throws IOException {
        joined(ENDPOINT, "100.64.1.7/24");
        String second = "fedcba98".repeat(8);
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(second, "100.64.1.8/24")).status());
        String third = "77777777".repeat(8);
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(third, "100.64.1.9/24")).status());
        assertEquals(200, post("/NetworkDriver.Join", call(third)).status());
        // While the driver was away: the first container died (its veth went with its namespace),
        // the third went when dockerd stopped, which gave its veth back unanswered; and a veth of an
        // endpoint the driver never saved is left over.
        host.destroySandbox("ovp01234567");
        host.giveBack("ovp77777777");
        host.createVeth("ovc99999999", "ovp99999999", 1420);
        channel = driverChannel();
        assertTrue(host.links.isEmpty() && host.inSandbox.isEmpty(), host.links + " " + host.inSandbox);
        assertErr(post("/NetworkDriver.Join", call(third)), 500, "unknown endpoint");
        assertErr(post("/NetworkDriver.Join", call(ENDPOINT)), 500, "unknown endpoint");
        assertEquals(200, post("/NetworkDriver.Join", call(second)).status(), "a created, not yet joined endpoint is kept");
    }

    @Test
    void anEndpointWhoseRouteCannotBeRestoredDoesNotStopTheDriver() throws IOException {
        joined(ENDPOINT, "100.64.1.7/24");
        host.failNextRoute = "RTNETLINK answers: No buffer space available";
        channel = driverChannel();
        assertEquals(200, post("/Plugin.Activate", "null").status());
        assertEquals(200, post("/NetworkDriver.Leave", call(ENDPOINT)).status());
    }

    @Test
    void anAddressGivenAgainReplacesAnEndpointThatNeverGotItsLeave() {
        joined(ENDPOINT, "100.64.1.7/24");
        String next = "fedcba98".repeat(8);
        assertErr(post("/NetworkDriver.CreateEndpoint", endpoint(next, "100.64.1.7/24")), 500,
                "100.64.1.7 is still in use by endpoint 0123456789ab");
        assertEquals(InetAddress.ofLiteral("100.64.1.7"), host.routes.get("ovc01234567"), "the attached one keeps its route");
        // Its container went while dockerd was down and the driver away: no Leave, the veth given back.
        host.giveBack("ovp01234567");
        assertEquals(200, post("/NetworkDriver.CreateEndpoint", endpoint(next, "100.64.1.7/24")).status());
        assertErr(post("/NetworkDriver.EndpointOperInfo", call(ENDPOINT)), 500, "unknown endpoint");
        assertEquals(200, post("/NetworkDriver.Join", call(next)).status());
        assertEquals(InetAddress.ofLiteral("100.64.1.7"), host.routes.get("ovcfedcba98"));
        assertFalse(host.links.containsKey("ovc01234567"), "the stale endpoint's veth is deleted");
    }
}
