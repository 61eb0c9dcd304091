package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterViewTest {
    @TempDir
    Path dir;

    private final EtcdSettings settings = new EtcdSettings(List.of(URI.create("http://127.0.0.1:2379")), "c",
            EtcdSettings.DEFAULT_TTL, null, null);
    private TestCa ca;
    private ClusterView view;

    @BeforeEach
    void ca() throws Exception {
        ca = new TestCa(dir.resolve("ca"));
        view = new ClusterView(settings, "self", ca.admission());
    }

    @Test
    void aChangedRecordIsPresentAgainAndAnUnchangedOneIsNot() throws Exception {
        TestCa.Node a = ca.node("a", 1);
        assertEquals(List.of(new MembershipEvent.Present(a.member())), put(a, 1));
        assertEquals(List.of(), put(a, 1));
        assertEquals(List.of(new MembershipEvent.Present(a.at(2).member())), put(a.at(2), 2));
        assertEquals(0, view.ignored());
    }

    @Test
    void anOlderVersionIsIgnoredAndCountedAlsoAfterTheMemberLeft() throws Exception {
        TestCa.Node a = ca.node("a", 1);
        put(a.at(2), 5);
        assertEquals(List.of(), put(a, 4));
        assertEquals(List.of(a.at(2).member()), view.others());
        view.delete(settings.memberKey("a"), "left");
        assertEquals(List.of(), put(a, 5), "its last record, written again after it left");
        assertEquals(List.of(), view.others());
        assertEquals(2, view.ignored());
    }

    @Test
    void aDeletionReportsTheLastKnownRecord() throws Exception {
        TestCa.Node a = ca.node("a", 2);
        put(a, 1);
        assertEquals(List.of(new MembershipEvent.Absent(a.member(), "left")), view.delete(settings.memberKey("a"), "left"));
        assertEquals(List.of(), view.delete(settings.memberKey("a"), "left"));
    }

    @Test
    void thisNodeAndForeignKeysAreNeverReported() throws Exception {
        TestCa.Node self = ca.node("self", 1);
        TestCa.Node a = ca.node("a", 1);
        assertEquals(List.of(), put(self, 1));
        assertEquals(List.of(), view.put(settings.prefix() + "other", "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(), view.put(settings.membersPrefix() + "a/b", value(a, 1)));
        assertEquals(List.of(), view.others());
    }

    @Test
    void aStaticHostIsWhereItsCertificateSays() throws Exception {
        Member db = ca.staticHost("db1", 5432);
        assertEquals(List.of(new MembershipEvent.Present(db)),
                view.put(settings.memberKey("db1"), MemberRecord.staticHost(new Member("db1", db.certificate(), null))));
    }

    @Test
    void aRereadReportsWhoLeftWhoCameAndWhatChanged() throws Exception {
        TestCa.Node gone = ca.node("gone", 1);
        TestCa.Node kept = ca.node("kept", 1);
        TestCa.Node moved = ca.node("moved", 1);
        TestCa.Node fresh = ca.node("new", 1);
        put(gone, 1);
        put(kept, 1);
        put(moved, 1);
        Map<String, byte[]> now = new LinkedHashMap<>();
        now.put(settings.memberKey("kept"), value(kept, 1));
        now.put(settings.memberKey("moved"), value(moved.at(2), 2));
        now.put(settings.memberKey("new"), value(fresh, 1));
        now.put(settings.revocationsKey(), new byte[] {1, 2});

        List<MembershipEvent> events = view.reread(now, "gone meanwhile");

        assertEquals(4, events.size(), events.toString());
        assertEquals(new MembershipEvent.Absent(gone.member(), "gone meanwhile"), events.getFirst());
        assertEquals(Set.of(moved.at(2).member(), fresh.member()), events.stream()
                .filter(e -> e instanceof MembershipEvent.Present).map(e -> ((MembershipEvent.Present) e).member())
                .collect(Collectors.toSet()));
        assertEquals(1, events.stream().filter(e -> e instanceof MembershipEvent.Revoked).count());
        assertEquals(Set.of("kept", "moved", "new"),
                view.others().stream().map(Member::name).collect(Collectors.toSet()));
        assertEquals(List.of(), view.reread(now, "gone meanwhile"), "nothing changed the second time");
        assertEquals(0, view.ignored());
    }

    private List<MembershipEvent> put(TestCa.Node node, long version) {
        return view.put(settings.memberKey(node.member().name()), value(node, version));
    }

    private static byte[] value(TestCa.Node node, long version) {
        try (SigningKey key = node.signingKey()) {
            return MemberRecord.signed(node.member(), version, key);
        }
    }
}
