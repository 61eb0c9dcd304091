package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The zone's answers without sockets. */
class DnsServiceZoneTest {
    private final ServiceZone zone = new ServiceZone("overlay", Duration.ofSeconds(7), new Random(1));
    private final CatalogSnapshot catalog = new CatalogSnapshot(List.of(
            DnsServerTest.instance("web", "100.64.0.2", 80, Health.PASSING),
            DnsServerTest.instance("web", "100.64.0.2", 443, Health.PASSING),
            DnsServerTest.instance("web", "fd00::2", 80, Health.PASSING),
            DnsServerTest.instance("v6only", "fd00::3", 80, Health.PASSING)));

    private Answer ask(String name, DnsRecordType type) {
        return zone.answer(new DefaultDnsQuestion(name, type), catalog);
    }

    private static List<InetAddress> addresses(List<DnsRecord> records) throws UnknownHostException {
        List<InetAddress> addresses = new ArrayList<>();
        for (DnsRecord record : records) {
            addresses.add(InetAddress.getByAddress(ByteBufUtil.getBytes(((DnsRawRecord) record).content())));
        }
        return addresses;
    }

    @Test
    void namesOutsideTheDomainAreNotOurs() {
        assertNull(ask("example.com", DnsRecordType.A));
        assertNull(ask("overlay.example.com", DnsRecordType.A));
        assertNull(ask("web.service.notoverlay", DnsRecordType.A));
    }

    @Test
    void oneAddressOnceAndIpv6Left() throws UnknownHostException {
        Answer web = ask("web.service.overlay", DnsRecordType.A);
        assertEquals(List.of(DnsServerTest.addr("100.64.0.2")), addresses(web.answers()));
        assertEquals(7, web.answers().getFirst().timeToLive());
        Answer any = ask("web.service.overlay", DnsRecordType.ANY);
        assertEquals(List.of(DnsServerTest.addr("100.64.0.2")), addresses(any.answers()));
        Answer srv = ask("web.service.overlay", DnsRecordType.SRV);
        assertEquals(2, srv.answers().size(), "two ports of one address");
        assertEquals(1, srv.additional().size(), "one address record for both");
        Answer v6 = ask("v6only.service.overlay", DnsRecordType.A);
        assertEquals(DnsResponseCode.NOERROR, v6.code());
        assertEquals(List.of(), v6.answers());
    }

    @Test
    void theDomainsOwnNamesExist() {
        Answer apex = ask("overlay.", DnsRecordType.SOA);
        assertEquals(DnsResponseCode.NOERROR, apex.code());
        assertEquals(DnsRecordType.SOA, apex.answers().getFirst().type());
        for (String name : List.of("overlay", "service.overlay", "addr.overlay")) {
            Answer answer = ask(name, DnsRecordType.A);
            assertEquals(DnsResponseCode.NOERROR, answer.code(), name);
            assertEquals(List.of(), answer.answers(), name);
            assertEquals(DnsRecordType.SOA, answer.authority().getFirst().type(), name);
        }
        Answer txt = ask("web.service.overlay", DnsRecordType.TXT);
        assertEquals(DnsResponseCode.NOERROR, txt.code());
        assertEquals(List.of(), txt.answers());
        Answer aaaa = ask("64400002.addr.overlay", DnsRecordType.AAAA);
        assertEquals(DnsResponseCode.NOERROR, aaaa.code());
        assertEquals(List.of(), aaaa.answers());
    }
}
