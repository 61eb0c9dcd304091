package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Names outside the domain go to the upstream resolvers and their answer comes back under the client's id. */
class DnsForwardingTest {
    private static final InetAddress ANSWER = DnsServerTest.addr("198.18.0.99");

    private static DnsServer server(InetSocketAddress... upstreams) throws IOException {
        return DnsServer.start(new DnsSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "overlay",
                Duration.ofSeconds(5), List.of(upstreams)), () -> CatalogSnapshot.EMPTY);
    }

    @Test
    void relaysTheUpstreamsAnswerWithTheClientsId() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream(Map.of("example.test.", ANSWER), true);
             DnsServer server = server(upstream.address());
             DnsTestClient client = new DnsTestClient(server.address())) {
            DnsResponse response = DnsTestClient.decode(client.udp(DnsTestClient.query(31337, "example.test", DnsRecordType.A)));
            assertEquals(31337, response.id());
            assertEquals(DnsResponseCode.NOERROR, response.code());
            assertTrue(response.isRecursionAvailable());
            assertEquals(List.of(ANSWER), DnsTestClient.addresses(response, DnsSection.ANSWER));
            response.release();
            DnsResponse missing = DnsTestClient.decode(client.tcp(DnsTestClient.query(31338, "missing.test", DnsRecordType.A)));
            assertEquals(31338, missing.id());
            assertEquals(DnsResponseCode.NXDOMAIN, missing.code());
            missing.release();
            DnsResponse ours = client.ask("nope.service.overlay", DnsRecordType.A);
            assertEquals(DnsResponseCode.NXDOMAIN, ours.code());
            ours.release();
            assertEquals(2, upstream.queries.get(), "the domain's names are never forwarded");
            assertEquals(2, server.counters().forwarded());
        }
    }

    @Test
    void aSilentUpstreamGivesServfail() throws Exception {
        try (FakeUpstream silent = new FakeUpstream(Map.of(), false);
             DnsServer server = server(silent.address());
             DnsTestClient client = new DnsTestClient(server.address(), 10_000)) {
            DnsResponse response = DnsTestClient.decode(client.udp(DnsTestClient.query(4, "example.test", DnsRecordType.A)));
            assertEquals(4, response.id());
            assertEquals(DnsResponseCode.SERVFAIL, response.code());
            response.release();
            assertEquals(1, server.counters().servfail());
            assertEquals(1, silent.queries.get());
        }
    }

    @Test
    void theNextUpstreamIsAskedWhenOneIsSilent() throws Exception {
        try (FakeUpstream silent = new FakeUpstream(Map.of(), false);
             FakeUpstream upstream = new FakeUpstream(Map.of("example.test.", ANSWER), true);
             DnsServer server = server(silent.address(), upstream.address());
             DnsTestClient client = new DnsTestClient(server.address(), 10_000)) {
            DnsResponse response = DnsTestClient.decode(client.udp(DnsTestClient.query(5, "example.test", DnsRecordType.A)));
            assertEquals(List.of(ANSWER), DnsTestClient.addresses(response, DnsSection.ANSWER));
            response.release();
            assertEquals(1, silent.queries.get());
        }
    }

    @Test
    void forwardsBeyondTheBoundGetServfailAtOnce() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        DnsCounters counters = new DnsCounters();
        try (FakeUpstream silent = new FakeUpstream(Map.of(), false)) {
            Forwarder forwarder = group.submit(() -> new Forwarder(group.next(), List.of(silent.address()),
                    Duration.ofSeconds(30), 2, counters)).get();
            BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
            group.submit(() -> {
                for (int i = 0; i < 3; i++) {
                    forwarder.forward(new DefaultDnsQuestion("q" + i + ".example.test", DnsRecordType.A), answers::add);
                }
            }).sync();
            Answer third = answers.poll(5, TimeUnit.SECONDS);
            assertEquals(DnsResponseCode.SERVFAIL, third.code());
            assertEquals(1, counters.overloaded());
            assertEquals(0, answers.size(), "the first two still wait on the upstream");
            group.submit(forwarder::close).sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
