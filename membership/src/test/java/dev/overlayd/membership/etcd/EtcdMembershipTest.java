package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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

    @Test
    void recordsReachEveryNodeAWithdrawnOneGoesAndLeavingTakesThemAtOnce() throws Exception {
        Node a = join("a", LONG_TTL, etcd.url(), m -> m.publish("svc/early", bytes("kept for the start")));
        Node b = join("b", LONG_TTL);
        b.told().awaitRecords("a", Map.of("svc/early", "kept for the start"));

        publish(a, "svc/web", "100.64.1.2:80");
        publish(a, "svc/early", null);
        b.told().awaitRecords("a", Map.of("svc/web", "100.64.1.2:80"));
        a.told().awaitRecords("a", Map.of("svc/web", "100.64.1.2:80"));
        publish(b, "svc/db", "100.64.2.2:5432");
        a.told().awaitRecords("b", Map.of("svc/db", "100.64.2.2:5432"));
        Node c = join("c", LONG_TTL);
        c.told().awaitRecords("a", Map.of("svc/web", "100.64.1.2:80"));
        c.told().awaitRecords("b", Map.of("svc/db", "100.64.2.2:5432"));
        assertEquals(Map.of("svc/web", "100.64.1.2:80"), inEtcd("a"));

        a.membership().leave();
        b.told().awaitAbsent("a");
        c.told().awaitAbsent("a");
        assertEquals(Map.of(), inEtcd("a"), "a's records went with its lease, long before its TTL");
        Node d = join("d", LONG_TTL);
        d.told().awaitRecords("b", Map.of("svc/db", "100.64.2.2:5432"));
        assertEquals(List.of(), d.told().recordsHistory("a"));
    }

    @Test
    void aNodeThatStopsWithoutLeavingLosesItsRecordsAfterItsTtl() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        publish(a, "svc/web", "100.64.1.2:80");
        b.told().awaitRecords("a", Map.of("svc/web", "100.64.1.2:80"));

        a.membership().close();
        b.told().awaitAbsent("a");
        assertEquals(Map.of(), inEtcd("a"));
        Node c = join("c", SHORT_TTL);
        c.told().awaitPresent(b.self());
        assertEquals(List.of(), c.told().recordsHistory("a"));
    }

    @Test
    void recordsOfAMemberWithoutARecordAreHeldUntilItHasOneAndToldAgainWhenItComesBack() throws Exception {
        Node a = join("a", LONG_TTL);
        Node b = join("b", LONG_TTL);
        TestCa.Node early = ca.node("early", 51820);
        try (SigningKey key = early.signingKey()) {
            writeRecord("early", "svc/web", PublishedRecord.signed("early", "svc/web", 1, bytes("up"), key));
            // The watch reports in order: once a has b's record, it has had early's.
            publish(b, "svc/db", "up");
            a.told().awaitRecords("b", Map.of("svc/db", "up"));
            assertEquals(List.of(), a.told().recordsHistory("early"), "no member record, nothing told");

            write("early", MemberRecord.signed(early.member(), 2, key));
            a.told().awaitPresent(early.member());
            a.told().awaitRecords("early", Map.of("svc/web", "up"));

            deleteMember("early");
            a.told().awaitAbsent("early");
            assertEquals(Map.of(), a.told().records("early"));
            write("early", MemberRecord.signed(early.member(), 3, key));
            Recorder.await("early's records told again", () -> a.told().recordsHistory("early").size() == 2,
                    () -> "told " + a.told().recordsHistory("early"));
            assertEquals(Map.of("svc/web", "up"), a.told().records("early"));
        }
    }

    @Test
    void recordsForgedByWhoeverCanWriteEtcdAreIgnoredCountedAndRepairedByTheirMember() throws Exception {
        Node a = join("a", SHORT_TTL);
        Node b = join("b", SHORT_TTL);
        Node c = join("c", SHORT_TTL);
        publish(b, "svc/web", "genuine 1");
        a.told().awaitRecords("b", Map.of("svc/web", "genuine 1"));
        byte[] first = readRecord("b", "svc/web");
        publish(b, "svc/web", "genuine 2");
        a.told().awaitRecords("b", Map.of("svc/web", "genuine 2"));
        byte[] second = readRecord("b", "svc/web");
        TestCa.Node mallory = ca.node("mallory", 51820);

        try (SigningKey key = mallory.signingKey()) {
            writeRecord("b", "svc/evil", PublishedRecord.signed("b", "svc/evil", Long.MAX_VALUE, bytes("forged"), key));
        }
        byte[] statement = new ObjectMapper().writeValueAsBytes(new PublishedRecord.Statement("b", "svc/unsigned",
                Long.MAX_VALUE, Base64.getEncoder().encodeToString(bytes("forged"))));
        writeRecord("b", "svc/unsigned", new ObjectMapper().writeValueAsBytes(
                new PublishedRecord.Value(1, new String(statement, StandardCharsets.UTF_8), "")));
        writeRecord("c", "svc/web", second);
        writeRecord("b", "svc/junk", bytes("not a record"));
        writeRecord("b", "svc/copy", second);
        writeRecord("b", "svc/web", first);

        awaitDrops(a, Map.of("record-bad-signature", 3L, "record-malformed", 1L, "record-misfiled", 1L,
                "record-stale", 1L));
        Recorder.await("b and c to put their records right", () -> {
            try {
                return inEtcd("b").equals(Map.of("svc/web", "genuine 2")) && inEtcd("c").isEmpty();
            } catch (Exception e) {
                return false;
            }
        }, () -> "b's records in etcd: " + quietly(() -> inEtcd("b")) + ", c's: " + quietly(() -> inEtcd("c")));
        assertEquals(List.of(Map.of("svc/web", "genuine 1"), Map.of("svc/web", "genuine 2")), a.told().recordsHistory("b"),
                "a only ever had what b published");
        assertEquals(List.of(), a.told().recordsHistory("c"));
        Node d = join("d", SHORT_TTL);
        d.told().awaitRecords("b", Map.of("svc/web", "genuine 2"));
        assertEquals(List.of(Map.of("svc/web", "genuine 2")), d.told().recordsHistory("b"));
    }

    @Test
    void recordsArePublishedWhileEtcdIsAwayAndWrittenAgainUnderANewLease() throws Exception {
        try (TcpRelay relay = new TcpRelay(etcd.url())) {
            Node a = join("a", SHORT_TTL, relay.url());
            Node b = join("b", SHORT_TTL);
            publish(a, "svc/web", "1");
            b.told().awaitRecords("a", Map.of("svc/web", "1"));
            assertEquals(Map.of(), a.membership().unsettled());

            relay.cut();
            b.told().awaitAbsent("a");
            assertEquals(Map.of(), inEtcd("a"), "a's records went with its lease");
            publish(a, "svc/late", "2");
            a.told().awaitRecords("a", Map.of("svc/web", "1", "svc/late", "2"));
            Recorder.await("a to say etcd is away", () -> a.membership().unsettled().getOrDefault("etcd", "")
                    .contains("1 of this node's record changes not written yet"), () -> "" + a.membership().unsettled());

            relay.restore();
            b.told().awaitPresent(a.self());
            b.told().awaitRecords("a", Map.of("svc/web", "1", "svc/late", "2"));
            Recorder.await("a to be settled", () -> a.membership().unsettled().isEmpty(),
                    () -> "" + a.membership().unsettled());
        }
    }

    @Test
    void aWatchResumedOrReadAgainKeepsTheSameRecords() throws Exception {
        try (TcpRelay relay = new TcpRelay(etcd.url())) {
            Node a = join("a", SHORT_TTL, relay.url());
            Node b = join("b", SHORT_TTL);
            publish(b, "svc/one", "1");
            publish(b, "svc/two", "2");
            Map<String, String> before = Map.of("svc/one", "1", "svc/two", "2");
            a.told().awaitRecords("b", before);

            relay.cut();
            awaitUnsettled(a);
            publish(b, "svc/three", "3");
            publish(b, "svc/one", null);
            compactEtcd();
            relay.restore();
            Map<String, String> reread = Map.of("svc/two", "2", "svc/three", "3");
            a.told().awaitRecords("b", reread);
            awaitSettled(a);

            relay.cut();
            awaitUnsettled(a);
            relay.restore();
            awaitSettled(a);
            publish(b, "svc/four", "4");
            Map<String, String> after = Map.of("svc/two", "2", "svc/three", "3", "svc/four", "4");
            a.told().awaitRecords("b", after);

            List<Map<String, String>> told = a.told().recordsHistory("b");
            assertEquals(List.of(before, reread, after), told.subList(told.indexOf(before), told.size()),
                    "the difference once after the re-read, nothing after the resumed watch");
        }
    }

    /**
     * Not a check: what a change of one record costs, for issue 13's estimate: the bytes written
     * (key and value), what the writing node sends and receives, and what every other node receives
     * from etcd per change, gRPC, HTTP/2 and all, as TCP payload through relays.
     */
    @Test
    void whatARecordCostsPerChange() throws Exception {
        try (TcpRelay toA = new TcpRelay(etcd.url()); TcpRelay toB = new TcpRelay(etcd.url())) {
            Node a = join("a", LONG_TTL, toA.url());
            Node b = join("b", LONG_TTL, toB.url());
            String value = new String(PublishedRecordTest.INSTANCE, StandardCharsets.UTF_8);
            publish(b, "discovery/warmup", value);
            a.told().awaitRecords("b", Map.of("discovery/warmup", value));
            int changes = 40;
            Map<String, String> expected = new java.util.TreeMap<>(Map.of("discovery/warmup", value));
            for (String change : List.of("put", "delete")) {
                long aIn = toA.bytesFromTarget();
                long bOut = toB.bytesToTarget();
                long bIn = toB.bytesFromTarget();
                for (int i = 0; i < changes; i++) {
                    String key = String.format("discovery/%012x:8080/tcp", i);
                    publish(b, key, change.equals("put") ? value : null);
                    if (change.equals("put")) {
                        expected.put(key, value);
                    } else {
                        expected.remove(key);
                    }
                    a.told().awaitRecords("b", expected);
                }
                System.out.printf("record costs per %s: writer sends %d B, receives %d B; every other node receives %d B%n",
                        change, (toB.bytesToTarget() - bOut) / changes, (toB.bytesFromTarget() - bIn) / changes,
                        (toA.bytesFromTarget() - aIn) / changes);
            }
            String key = settings(LONG_TTL, etcd.url()).recordKey("b", "discovery/3f2a9c1b7d4e:8080/tcp");
            int stored = readRecord("b", "discovery/warmup").length;
            System.out.printf("record costs: value %d B; written per put: key %d B + value %d B = %d B%n",
                    value.length(), key.length(), stored, key.length() + stored);
        }
    }

    private static void awaitUnsettled(Node node) {
        Recorder.await(node.self().name() + " to say etcd is away", () -> !node.membership().unsettled().isEmpty(),
                () -> "settled");
    }

    private static void awaitSettled(Node node) {
        Recorder.await(node.self().name() + " to be settled", () -> node.membership().unsettled().isEmpty(),
                () -> "" + node.membership().unsettled());
    }

    /** Waits until {@code node} has dropped at least that many records for each reason. */
    private static void awaitDrops(Node node, Map<String, Long> atLeast) {
        Recorder.await("drops " + atLeast, () -> atLeast.entrySet().stream()
                .allMatch(e -> node.membership().drops().getOrDefault(e.getKey(), 0L) >= e.getValue()),
                () -> "drops " + node.membership().drops());
    }

    private static void publish(Node node, String key, String value) throws Exception {
        node.membership().publish(key, value == null ? null : bytes(value));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private interface Check<T> {
        T get() throws Exception;
    }

    private static String quietly(Check<?> check) {
        try {
            return String.valueOf(check.get());
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** A member's records in etcd, key to the value as etcd holds it (the signed envelope). */
    private Map<String, String> inEtcd(String member) throws Exception {
        String prefix = "/overlayd/test/records/" + member + "/";
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            Map<String, String> records = new java.util.TreeMap<>();
            for (KeyValue kv : client.getKVClient().get(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                    GetOption.builder().isPrefix(true).build()).get().getKvs()) {
                String stored = kv.getValue().toString();
                String value = stored;
                try {
                    value = new String(PublishedRecord.value(PublishedRecord.statement(
                            PublishedRecord.read(kv.getValue().getBytes()).statement())), StandardCharsets.UTF_8);
                } catch (java.io.IOException notARecord) {
                    // Shown as it is.
                }
                records.put(kv.getKey().toString().substring(prefix.length()), value);
            }
            return records;
        }
    }

    private byte[] readRecord(String member, String key) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            return client.getKVClient().get(recordKey(member, key)).get().getKvs().getFirst().getValue().getBytes();
        }
    }

    /** Writes a record's key as whoever can write to etcd could: no lease, any bytes. */
    private void writeRecord(String member, String key, byte[] value) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            client.getKVClient().put(recordKey(member, key), ByteSequence.from(value)).get();
        }
    }

    private static ByteSequence recordKey(String member, String key) {
        return ByteSequence.from("/overlayd/test/records/" + member + "/" + key, StandardCharsets.UTF_8);
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

    private void deleteMember(String name) throws Exception {
        try (Client client = Client.builder().endpoints(etcd.url()).build()) {
            client.getKVClient().delete(key(name)).get();
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
        return join(name, ttl, endpoint, membership -> {});
    }

    private interface BeforeStart {
        void accept(EtcdMembership membership) throws Exception;
    }

    private Node join(String name, Duration ttl, URI endpoint, BeforeStart beforeStart) throws Exception {
        TestCa.Node node = ca.node(name, 51820);
        EtcdMembership membership = new EtcdMembership(settings(ttl, endpoint), node.signingKey(), ca.admission(),
                Clock.systemUTC());
        toClose.add(membership);
        beforeStart.accept(membership);
        Recorder told = new Recorder();
        membership.start(node.member(), told);
        return new Node(node.member(), membership, told);
    }

    private static EtcdSettings settings(Duration ttl, URI endpoint) {
        return new EtcdSettings(List.of(endpoint), "test", ttl, null, null);
    }

    private static Member moved(Node node, int port) {
        return new Member(node.self().name(), node.self().certificate(), TestCa.loopback(port));
    }
}
