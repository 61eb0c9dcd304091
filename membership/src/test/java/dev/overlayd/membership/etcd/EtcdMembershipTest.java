package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EtcdMembership against a real etcd that each test starts, stops and restarts itself. */
class EtcdMembershipTest {
    /** As short as etcd allows, for the tests that wait for a TTL to run out or for a node's next renewal. */
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);
    /** Longer than any wait here: a node reported absent under it has left, not expired. */
    private static final Duration LONG_TTL = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EtcdServer etcd;
    private TestCa ca;

    private record Node(Member self, EtcdMembership membership, Recorder told) {
        Set<String> members() {
            return membership.members().stream().map(Member::name).collect(Collectors.toSet());
        }
    }

    @BeforeEach
    void startEtcd() throws Exception {
        ca = new TestCa(temp.resolve("ca"));
        etcd = EtcdServer.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
        etcd.close();
    }

    @Test
    void membersSeeEachOtherFollowUpdatesAndDropOneThatLeavesAtOnce() throws Exception {
        Node a = join("a", LONG_TTL);
        Node b = join("b", LONG_TTL);
        Node c = join("c", LONG_TTL);
        for (Node node : List.of(a, b, c)) {
            for (Node other : List.of(a, b, c)) {
                if (other != node) {
                    node.told().awaitPresent(other.self());
                }
            }
            assertEquals(Set.of("a", "b", "c"), node.members());
            assertFalse(node.told().presentNames().contains(node.self().name()), "a node never reports itself");
        }

        Member moved = moved(a, 51821);
        a.membership().update(moved);
        b.told().awaitPresent(moved);
        c.told().awaitPresent(moved);
        assertTrue(a.membership().members().contains(moved));

        a.membership().leave();
        b.told().awaitAbsent("a");
        c.told().awaitAbsent("a");
        assertEquals(Set.of("b", "c"), b.members());
    }

    @Test
    void aStaticHostOutlivesTheNodeThatPublishedItAndReachesNodesThatJoinLater() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        Member db = ca.staticHost("db1", 5432);
        a.membership().host(db);
        b.told().awaitPresent(db);

        a.membership().close();
        b.told().awaitAbsent("a");
        Node c = join("c", SHORT_TTL);
        c.told().awaitPresent(db);
        assertEquals(Set.of("b", "c", "db1"), c.members(), "a's lease ran out; db1's record has none");
    }

    @Test
    void aNodeThatStopsWithoutLeavingIsDroppedAfterItsTtl() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        b.told().awaitPresent(a.self());

        a.membership().close();
        b.told().awaitAbsent("a");
        assertEquals(Set.of("b"), b.members());
    }

    @Test
    void aRevocationReachesEveryNodeAndOneThatJoinsLater() throws Exception {
        Node a = join("a", LONG_TTL);
        Node b = join("b", LONG_TTL);
        byte[] first = "crl 1".getBytes(StandardCharsets.UTF_8);
        a.membership().revoke(first);
        a.told().awaitRevoked(first);
        b.told().awaitRevoked(first);

        Node c = join("c", LONG_TTL);
        c.told().awaitPresent(a.self());
        c.told().awaitPresent(b.self());
        c.told().awaitRevoked(first);

        byte[] second = "crl 2".getBytes(StandardCharsets.UTF_8);
        b.membership().revoke(second);
        c.told().awaitRevoked(second);
        assertEquals(2, c.told().revoked().size(), "the list at start, then the new one, each once");
    }

    @Test
    void anEtcdRestartLongerThanTheTtlDropsNoPeer() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        a.told().awaitPresent(b.self());
        b.told().awaitPresent(a.self());

        etcd.stop();
        // The outage itself, not a wait for an outcome: the records would have expired twice over.
        Thread.sleep(SHORT_TTL.multipliedBy(2));
        assertEquals(Set.of("a", "b"), a.members(), "peers are kept while etcd is away");
        etcd.startAgain();

        Node c = join("c", SHORT_TTL);
        a.told().awaitPresent(c.self());
        b.told().awaitPresent(c.self());
        c.told().awaitPresent(a.self());
        c.told().awaitPresent(b.self());
        assertEquals(List.of(), a.told().absent());
        assertEquals(List.of(), b.told().absent());
        assertEquals(Set.of("a", "b", "c"), a.members());

        a.membership().leave();
        b.told().awaitAbsent("a");
        c.told().awaitAbsent("a");
    }

    @Test
    void aNodeCutOffLongerThanItsTtlKeepsItsPeersCatchesUpAndRegistersAgain() throws Exception {
        try (TcpRelay relay = new TcpRelay(etcd.url())) {
            Node a = join("a", SHORT_TTL, relay.url());
            Node b = join("b", SHORT_TTL);
            Node d = join("d", SHORT_TTL);
            a.told().awaitPresent(b.self());
            a.told().awaitPresent(d.self());

            relay.cut();
            b.told().awaitAbsent("a");
            d.membership().leave();
            Node c = join("c", SHORT_TTL);
            Member moved = moved(b, 51821);
            b.membership().update(moved);
            compactEtcd();
            assertEquals(List.of(), a.told().absent(), "a node that lost etcd drops nobody");
            assertEquals(Set.of("a", "b", "d"), a.members());

            relay.restore();
            b.told().awaitPresent(a.self());
            c.told().awaitPresent(a.self());
            a.told().awaitPresent(c.self());
            a.told().awaitPresent(moved);
            a.told().awaitAbsent("d");
            assertEquals(List.of("d"), a.told().absent());
        }
    }

    @Test
    void aRecordWithAnEndpointChangedByWhoeverCanWriteEtcdIsIgnored() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        a.told().awaitPresent(b.self());
        String genuine = read("b");
        String forged = genuine.replace("127.0.0.1:51820", "127.0.0.1:6666");
        assertNotEquals(genuine, forged);

        write("b", forged);

        awaitIgnored(a, 1);
        awaitRewritten("b", forged);
        assertEquals(List.of(b.self()), a.told().presentHistory("b"), "a only ever had b where b said it is");
    }

    @Test
    void aMemberCannotSpeakForAnotherWithItsOwnKeyOrCertificate() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        a.told().awaitPresent(b.self());
        TestCa.Node mallory = ca.node("mallory", 51820);
        Member evil = new Member("b", b.self().certificate(), TestCa.loopback(6666));

        try (SigningKey key = mallory.signingKey()) {
            // b's name and certificate, the newest version there can be, signed by mallory's key.
            write("b", MemberRecord.signed(evil, Long.MAX_VALUE, key));
            // mallory's own record, filed under b's name.
            write("b", MemberRecord.signed(mallory.member(), Long.MAX_VALUE, key));
        }

        awaitIgnored(a, 2);
        assertEquals(List.of(b.self()), a.told().presentHistory("b"));
    }

    @Test
    void anOldRecordWrittenAgainIsIgnoredAndTheMemberWritesItsOwnAgain() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        a.told().awaitPresent(b.self());
        String old = read("b");
        Member moved = moved(b, 51821);
        b.membership().update(moved);
        a.told().awaitPresent(moved);

        write("b", old);

        awaitIgnored(a, 1);
        assertEquals(moved, a.told().present("b"));
        awaitRewritten("b", old);
        Node c = join("c", SHORT_TTL);
        c.told().awaitPresent(moved);
    }

    @Test
    void unsignedRecordsOfTheFirstFormatCountForNothingNotEvenForAStaticHost() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        Member db = ca.staticHost("db1", 5432);
        a.membership().host(db);
        b.told().awaitPresent(db);
        String v0 = "{\"certificate\":\"" + Base64.getEncoder().encodeToString(db.certificate())
                + "\",\"endpoint\":\"127.0.0.1:6666\"}";

        write("db1", v0);
        write("ghost", v0.replace("6666", "6667"));

        awaitIgnored(b, 2);
        assertEquals(db, b.told().present("db1"), "a static host is where its certificate says");
        assertFalse(b.told().presentNames().contains("ghost"));
    }

    /** Waits until {@code node} has ignored {@code count} records. */
    private static void awaitIgnored(Node node, long count) {
        Recorder.await("ignored " + count + " records", () -> node.membership().ignoredRecords() >= count,
                () -> "ignored " + node.membership().ignoredRecords());
    }

    /** Waits until the member filed under {@code name} has replaced {@code value}, written behind its back. */
    private void awaitRewritten(String name, String value) {
        Recorder.await(name + " to write its record again", () -> {
            try {
                return !read(name).equals(value);
            } catch (Exception e) {
                return false;
            }
        }, () -> "still the value written behind its back");
    }

    /** The value at a member's key, read as anyone with access to etcd could. */
    private String read(String name) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            return client.getKVClient().get(key(name)).get().getKvs().getFirst().getValue().toString();
        }
    }

    /** Writes a member's key as whoever can write to etcd could: no lease, any bytes. */
    private void write(String name, Object value) throws Exception {
        ByteSequence bytes = value instanceof byte[] raw ? ByteSequence.from(raw)
                : ByteSequence.from((String) value, StandardCharsets.UTF_8);
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            client.getKVClient().put(key(name), bytes).get();
        }
    }

    private static ByteSequence key(String name) {
        return ByteSequence.from("/overlayd/test/members/" + name, StandardCharsets.UTF_8);
    }

    /** Forgets etcd's history up to now, so a watch cannot resume from before. */
    private void compactEtcd() throws Exception {
        try (Client admin = Client.builder().endpoints(etcd.url()).build()) {
            KV kv = admin.getKVClient();
            long now = kv.get(ByteSequence.from("/", StandardCharsets.UTF_8)).get().getHeader().getRevision();
            kv.compact(now).get();
        }
    }

    private Node join(String name, Duration ttl) throws Exception {
        return join(name, ttl, etcd.url());
    }

    private Node join(String name, Duration ttl, URI endpoint) throws Exception {
        TestCa.Node node = ca.node(name, 51820);
        EtcdMembership membership = new EtcdMembership(new EtcdSettings(List.of(endpoint), "test", ttl, null, null),
                node.signingKey(), ca.admission(), Clock.systemUTC());
        toClose.add(membership);
        Recorder told = new Recorder();
        membership.start(node.member(), told);
        return new Node(node.member(), membership, told);
    }

    private static Member moved(Node node, int port) {
        return new Member(node.self().name(), node.self().certificate(), TestCa.loopback(port));
    }
}
