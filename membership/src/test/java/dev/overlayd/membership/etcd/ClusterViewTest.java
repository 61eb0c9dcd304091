package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.overlayd.membership.Member;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
    private final EtcdSettings settings = new EtcdSettings(List.of(URI.create("http://127.0.0.1:2379")), "c");
    private final ClusterView view = new ClusterView(settings, "self");

    @Test
    void aChangedRecordIsPresentAgainAndAnUnchangedOneIsNot() {
        assertEquals(List.of(new MembershipEvent.Present(member("a", 1))), put(member("a", 1)));
        assertEquals(List.of(), put(member("a", 1)));
        assertEquals(List.of(new MembershipEvent.Present(member("a", 2))), put(member("a", 2)));
    }

    @Test
    void aDeletionReportsTheLastKnownRecord() {
        put(member("a", 2));
        assertEquals(List.of(new MembershipEvent.Absent(member("a", 2), "left")),
                view.delete(settings.memberKey("a"), "left"));
        assertEquals(List.of(), view.delete(settings.memberKey("a"), "left"));
    }

    @Test
    void thisNodeAndForeignKeysAreNeverReported() {
        assertEquals(List.of(), put(member("self", 1)));
        assertEquals(List.of(), view.put(settings.prefix() + "other", "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(), view.put(settings.membersPrefix() + "a/b", MemberRecord.encode(member("a", 1))));
        assertEquals(List.of(), view.others());
    }

    @Test
    void aRereadReportsWhoLeftWhoCameAndWhatChanged() {
        put(member("gone", 1));
        put(member("kept", 1));
        put(member("moved", 1));
        Map<String, byte[]> now = new LinkedHashMap<>();
        now.put(settings.memberKey("kept"), MemberRecord.encode(member("kept", 1)));
        now.put(settings.memberKey("moved"), MemberRecord.encode(member("moved", 2)));
        now.put(settings.memberKey("new"), MemberRecord.encode(member("new", 1)));
        now.put(settings.revocationsKey(), new byte[] {1, 2});

        List<MembershipEvent> events = view.reread(now, "gone meanwhile");

        assertEquals(4, events.size(), events.toString());
        assertEquals(new MembershipEvent.Absent(member("gone", 1), "gone meanwhile"), events.getFirst());
        assertEquals(Set.of(member("moved", 2), member("new", 1)), events.stream()
                .filter(e -> e instanceof MembershipEvent.Present).map(e -> ((MembershipEvent.Present) e).member())
                .collect(Collectors.toSet()));
        assertEquals(1, events.stream().filter(e -> e instanceof MembershipEvent.Revoked).count());
        assertEquals(Set.of("kept", "moved", "new"),
                view.others().stream().map(Member::name).collect(Collectors.toSet()));
        assertEquals(List.of(), view.reread(now, "gone meanwhile"), "nothing changed the second time");
    }

    private List<MembershipEvent> put(Member member) {
        return view.put(settings.memberKey(member.name()), MemberRecord.encode(member));
    }

    private static Member member(String name, int port) {
        return new Member(name, name.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
}
