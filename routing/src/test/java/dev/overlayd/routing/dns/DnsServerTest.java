package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.ServiceInstance;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The catalog's names answered over real UDP and TCP on loopback. */
class DnsServerTest {
    private final AtomicReference<CatalogSnapshot> catalog = new AtomicReference<>(CatalogSnapshot.EMPTY);
    private DnsServer server;
    private DnsTestClient client;

    @BeforeEach
    void start() throws IOException {
        server = DnsServer.start(new DnsSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "overlay",
                Duration.ofSeconds(5), List.of()), catalog::get);
        client = new DnsTestClient(server.address());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    static ServiceInstance instance(String service, String address, int port, Health health, String... tags) {
        return new ServiceInstance(service, "node1:" + service + "-" + address + ":" + port, addr(address), port, "tcp",
                "node1", List.of(tags), health, Instant.EPOCH, List.of());
    }

    static InetAddress addr(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void answersOnlyTheHealthyInstancesWithTheTtl() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(
                instance("web", "100.64.0.2", 80, Health.PASSING),
                instance("web", "100.64.0.3", 80, Health.UNHEALTHY),
                instance("web", "100.64.0.4", 80, Health.STARTING),
                instance("db", "100.64.0.9", 5432, Health.PASSING))));
        DnsResponse response = client.ask("web.service.overlay", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, response.code());
        assertTrue(response.isAuthoritativeAnswer());
        assertEquals(List.of(addr("100.64.0.2")), DnsTestClient.addresses(response, DnsSection.ANSWER));
        assertEquals(5, response.<DnsRecord>recordAt(DnsSection.ANSWER).timeToLive());
        response.release();
    }

    @Test
    void answersEveryInstanceInVaryingOrder() throws IOException {
        List<ServiceInstance> instances = IntStream.rangeClosed(1, 5)
                .mapToObj(i -> instance("web", "100.64.1." + i, 8080, Health.PASSING)).toList();
        catalog.set(new CatalogSnapshot(instances));
        Set<List<InetAddress>> orders = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            DnsResponse response = client.ask("web.service.overlay", DnsRecordType.A);
            List<InetAddress> answered = DnsTestClient.addresses(response, DnsSection.ANSWER);
            response.release();
            assertEquals(Set.copyOf(instances.stream().map(ServiceInstance::address).toList()), Set.copyOf(answered));
            assertEquals(5, answered.size());
            orders.add(answered);
        }
        assertTrue(orders.size() > 1, "30 answers, all in one order");
    }

    @Test
    void answersSrvWithPortsAndTheTargetsAddresses() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(
                instance("api", "100.64.0.2", 8080, Health.PASSING),
                instance("api", "100.64.0.3", 9090, Health.PASSING))));
        for (String name : List.of("api.service.overlay", "_api._tcp.service.overlay")) {
            DnsResponse response = client.ask(name, DnsRecordType.SRV);
            assertEquals(DnsResponseCode.NOERROR, response.code());
            assertEquals(Set.of("8080 64400002.addr.overlay.", "9090 64400003.addr.overlay."),
                    Set.copyOf(DnsTestClient.services(response)));
            assertEquals(Set.of(addr("100.64.0.2"), addr("100.64.0.3")),
                    Set.copyOf(DnsTestClient.addresses(response, DnsSection.ADDITIONAL)));
            response.release();
        }
        DnsResponse udp = client.ask("_api._udp.service.overlay", DnsRecordType.SRV);
        assertEquals(DnsResponseCode.NXDOMAIN, udp.code());
        udp.release();
        DnsResponse target = client.ask("64400003.addr.overlay", DnsRecordType.A);
        assertEquals(List.of(addr("100.64.0.3")), DnsTestClient.addresses(target, DnsSection.ANSWER));
        target.release();
    }

    @Test
    void filtersByTag() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(
                instance("web", "100.64.0.2", 80, Health.PASSING, "blue"),
                instance("web", "100.64.0.3", 80, Health.PASSING, "green"))));
        DnsResponse blue = client.ask("blue.web.service.overlay", DnsRecordType.A);
        assertEquals(List.of(addr("100.64.0.2")), DnsTestClient.addresses(blue, DnsSection.ANSWER));
        blue.release();
        DnsResponse red = client.ask("red.web.service.overlay", DnsRecordType.A);
        assertEquals(DnsResponseCode.NXDOMAIN, red.code());
        red.release();
    }

    @Test
    void unknownNamesAreNxdomainWithTheSoa() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(instance("web", "100.64.0.2", 80, Health.PASSING))));
        for (String name : List.of("nope.service.overlay", "web.overlay", "a.b.web.service.overlay", "zz.addr.overlay")) {
            DnsResponse response = client.ask(name, DnsRecordType.A);
            assertEquals(DnsResponseCode.NXDOMAIN, response.code(), name);
            assertEquals(0, response.count(DnsSection.ANSWER), name);
            DnsRecord soa = response.recordAt(DnsSection.AUTHORITY);
            assertNotNull(soa, name);
            assertEquals(DnsRecordType.SOA, soa.type());
            assertEquals("overlay.", soa.name());
            assertEquals(5, soa.timeToLive());
            response.release();
        }
        assertEquals(4, server.counters().nxdomain());
    }

    @Test
    void aServiceWithoutHealthyInstancesHasNoData() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(instance("web", "100.64.0.2", 80, Health.UNHEALTHY))));
        DnsResponse response = client.ask("web.service.overlay", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, response.code());
        assertEquals(0, response.count(DnsSection.ANSWER));
        assertEquals(DnsRecordType.SOA, response.<DnsRecord>recordAt(DnsSection.AUTHORITY).type());
        response.release();
    }

    @Test
    void namesAreCaseInsensitive() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(instance("Web", "100.64.0.2", 80, Health.PASSING, "Blue"))));
        for (String name : List.of("WEB.Service.OVERLAY", "web.service.overlay.", "bLuE.wEb.service.overlay")) {
            DnsResponse response = client.ask(name, DnsRecordType.A);
            assertEquals(List.of(addr("100.64.0.2")), DnsTestClient.addresses(response, DnsSection.ANSWER), name);
            response.release();
        }
    }

    @Test
    void aaaaIsEmpty() throws IOException {
        catalog.set(new CatalogSnapshot(List.of(instance("web", "100.64.0.2", 80, Health.PASSING))));
        DnsResponse response = client.ask("web.service.overlay", DnsRecordType.AAAA);
        assertEquals(DnsResponseCode.NOERROR, response.code());
        assertEquals(0, response.count(DnsSection.ANSWER));
        response.release();
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws IOException {
        List<ServiceInstance> instances = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            instances.add(instance("big", "100.64.2." + i, 80, Health.PASSING));
        }
        catalog.set(new CatalogSnapshot(instances));
        byte[] plain = client.udp(DnsTestClient.query(7, "big.service.overlay", DnsRecordType.A));
        assertTrue(plain.length <= 512, "UDP answer of " + plain.length + " bytes");
        DnsResponse truncated = DnsTestClient.decode(plain);
        assertTrue(truncated.isTruncated());
        int fitted = DnsTestClient.addresses(truncated, DnsSection.ANSWER).size();
        assertTrue(fitted > 0 && fitted < 100, fitted + " addresses in 512 bytes");
        truncated.release();

        byte[] edns = client.udp(DnsTestClient.query(8, "big.service.overlay", DnsRecordType.A, 1232));
        assertTrue(edns.length > 512 && edns.length <= 1232, "EDNS0 UDP answer of " + edns.length + " bytes");
        DnsResponse larger = DnsTestClient.decode(edns);
        assertTrue(larger.isTruncated());
        assertTrue(DnsTestClient.addresses(larger, DnsSection.ANSWER).size() > fitted);
        assertEquals(1, DnsTestClient.records(larger, DnsSection.ADDITIONAL, DnsRecordType.OPT).size());
        larger.release();

        DnsResponse whole = DnsTestClient.decode(client.tcp(DnsTestClient.query(9, "big.service.overlay", DnsRecordType.A)));
        assertFalse(whole.isTruncated());
        assertEquals(9, whole.id());
        assertEquals(100, DnsTestClient.addresses(whole, DnsSection.ANSWER).size());
        whole.release();
        assertEquals(2, server.counters().truncated());
    }

    @Test
    void aTakenPortIsAClearError() {
        IOException taken = assertThrows(IOException.class, () -> DnsServer.start(new DnsSettings(server.address(),
                "overlay", Duration.ofSeconds(5), List.of()), catalog::get));
        assertTrue(taken.getMessage().startsWith("cannot serve DNS on " + server.address()), taken.getMessage());
    }

    @Test
    void otherNamesAreRefusedWithoutUpstreams() throws IOException {
        DnsResponse response = client.ask("example.com", DnsRecordType.A);
        assertEquals(DnsResponseCode.REFUSED, response.code());
        assertFalse(response.isRecursionAvailable());
        response.release();
        assertEquals(1, server.counters().refused());
    }
}
