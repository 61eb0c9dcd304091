package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import org.junit.jupiter.api.Test;

class MemberTableTest {
    private static final long SECOND = 1_000_000_000L;

    private final List<String> events = new ArrayList<>();
    private final Set<String> refused = new HashSet<>();
    /** Names starting with "db" are static hosts here. */
    private static boolean isStatic(Member member) {
        return member.name().startsWith("db");
    }

    private final MemberTable table = new MemberTable(new Member("self", new byte[] {1}, null), 1,
            SigningKey.derive(PrivateKey.generate(new SecureRandom())), Duration.ofSeconds(10), Duration.ofSeconds(1),
            new Admission() {
                @Override
                public String refusal(Member member) {
                    return refused.contains(member.name()) ? member.name() + ": certificate revoked" : null;
                }

                @Override
                public PublicKey publicKey(Member member) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public InetAddress address(Member member) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public boolean isStaticHost(Member member) {
                    return isStatic(member);
                }

                @Override
                public Optional<VerifyingKey> signingKey(Member member) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Optional<String> staticEndpoint(Member member) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public long issuedMillis(Member member) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public boolean isRevoked(Member member) {
                    return refused.contains(member.name());
                }

                @Override
                public boolean adopt(byte[] revocationList) {
                    return true;
                }

                @Override
                public byte[] revocations() {
                    return null;
                }
            },
            new MembershipListener() {
                @Override
                public void present(Member member) {
                    events.add("present " + member.name() + " " + member.endpoint().getPort());
                }

                @Override
                public void absent(Member member, String why) {
                    events.add("absent " + member.name() + ": " + why);
                }

                @Override
                public void revoked(byte[] revocationList) {}
            }, () -> 1L);

    @Test
    void aNewMemberIsPresentOnceAndItsNewsIsPassedOn() {
        assertEquals(1, table.merge(List.of(record("a", 1, 5, false)), 0, "c").size());
        assertEquals(List.of(), table.merge(List.of(record("a", 1, 5, false)), SECOND, "c"), "the same copy is no news");
        assertEquals(List.of(), table.merge(List.of(record("a", 1, 6, false)), SECOND, "c"), "a later beat is no news");
        assertEquals(List.of("present a 1"), events);
        assertEquals(1, table.present().size());
    }

    @Test
    void aStaticHostNeverBeatsYetStaysUntilRevokedAndIsNoGossipTarget() {
        table.merge(List.of(record("db1", 1, 0, false), record("a", 1, 5, false)), 0, "c");
        table.expire(3600 * SECOND);
        assertEquals(List.of("db1"), table.present().stream().map(Member::name).toList(), "a, silent, went; db1 stays");
        assertEquals(List.of(), table.nodes(), "nobody to gossip with: a static host runs no overlayd");
        refused.add("db1");
        table.expire(3601 * SECOND);
        assertEquals(0, table.present().size());
        assertTrue(events.contains("absent db1: db1: certificate revoked"), events.toString());
        assertEquals(List.of("a"), table.lost().stream().map(Member::name).toList(), "no join is tried at a static host");
    }

    @Test
    void aMemberWhoseHeartbeatStallsIsAbsentAfterTheTtlAndComesBackWhenItBeatsAgain() {
        table.merge(List.of(record("a", 1, 5, false)), 0, "c");
        table.merge(List.of(record("a", 1, 6, false)), 5 * SECOND, "a");
        table.expire(14 * SECOND);
        assertEquals(1, table.present().size(), "heard 9 s ago: still present");
        table.expire(16 * SECOND);
        assertEquals(List.of("present a 1", "absent a: no heartbeat for 10s"), events);
        assertEquals(List.of("a"), table.lost().stream().map(Member::name).toList(), "where to look after a partition");

        table.merge(List.of(record("a", 1, 6, false)), 17 * SECOND, "c");
        assertTrue(table.present().isEmpty(), "a stale copy does not bring it back");
        table.merge(List.of(record("a", 1, 7, false)), 17 * SECOND, "c");
        assertTrue(table.present().isEmpty(), "nor does its last beat, which this node missed and another passes on");
        table.merge(List.of(record("a", 1, 16, false)), 18 * SECOND, "c");
        assertEquals(1, table.present().size(), "its heartbeat moved on: the partition healed");
    }

    @Test
    void onlyWhatAMemberSaysItselfKeepsItAliveHere() {
        table.merge(List.of(record("a", 1, 5, false)), 0, "a");
        table.merge(List.of(record("a", 1, 6, false)), 4 * SECOND, "c");
        table.expire(11 * SECOND);
        assertEquals(List.of("present a 1", "absent a: no heartbeat for 10s"), events,
                "its later heartbeat from c is a newer version, not a sign of life");
        events.clear();
        table.merge(List.of(record("b", 1, 5, false)), 0, "b");
        table.merge(List.of(record("b", 1, 6, false)), 4 * SECOND, "b");
        table.expire(11 * SECOND);
        assertEquals(List.of("present b 1"), events, "b's own record, 7 s ago");
    }

    @Test
    void aMemberThatLeavesIsAbsentAtOnceAndOnlyANewIncarnationBringsItBack() {
        table.merge(List.of(record("a", 1, 5, false)), 0, "c");
        assertEquals(1, table.merge(List.of(record("a", 1, 6, true)), SECOND, "c").size());
        assertEquals("absent a: left the cluster", events.getLast());
        table.merge(List.of(record("a", 1, 5, false)), 2 * SECOND, "c");
        assertTrue(table.present().isEmpty());
        assertTrue(table.records().stream().anyMatch(r -> r.name().equals("a") && r.left()),
                "the departure is passed on in syncs");
        table.merge(List.of(record("a", 2, 0, false)), 3 * SECOND, "c");
        assertEquals(1, table.present().size(), "restarted");
    }

    @Test
    void aChangedEndpointIsNewsAndAMemberNoLongerAdmittedIsDropped() {
        table.merge(List.of(record("a", 1, 5, false)), 0, "c");
        Member moved = new Member("a", new byte[] {1}, new InetSocketAddress("198.18.0.9", 2));
        assertEquals(1, table.merge(List.of(new Record(moved, 1, 6, false, null)), SECOND, "c").size());
        assertEquals("present a 2", events.getLast());

        refused.add("a");
        table.expire(2 * SECOND);
        assertEquals("absent a: a: certificate revoked", events.getLast());
    }

    @Test
    void recordsAboutThisNodeFromOthersAreIgnored() {
        assertEquals(List.of(), table.merge(List.of(record("self", 9, 9, true)), 0, "c"));
        assertEquals(1, table.beat().heartbeat());
        assertTrue(events.isEmpty());
    }

    private static Record record(String name, long incarnation, long heartbeat, boolean left) {
        return new Record(new Member(name, new byte[] {1}, new InetSocketAddress("198.18.0.1", 1)), incarnation,
                heartbeat, left, null);
    }
}
