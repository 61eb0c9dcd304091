package dev.overlayd.membership.etcd;

import dev.overlayd.peers.HostPort;
import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.VerifyingKey;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * What this node believes the cluster's keys hold, and what changed: each put, delete or full re-read
 * becomes the events the listener must hear. Holding the last known records is what lets a node
 * report a departed member's last record and ride out an etcd outage with its peers intact.
 *
 * <p>Whoever can write to etcd is not trusted to speak for a member: a node's record counts only when
 * its certificate is admitted, is filed under its own name, and the record is signed by the signing
 * key that certificate binds, names that member and that certificate, and is newer than any this
 * node has seen of it (an old record written again would move the member back to an old endpoint).
 * A static host's record is unsigned (any node publishes it), so all it contributes is the
 * certificate, and the endpoint is the one the certificate names. Anything else is ignored and
 * counted, and logged once per key. A deletion is not signed: only etcd's access control protects it.
 *
 * <p>One thread changes it; {@link #others} and {@link #ignored} may be read from any thread.
 */
final class ClusterView {
    private static final Logger LOG = Logger.getLogger(ClusterView.class.getName());

    private final EtcdSettings settings;
    private final String self;
    private final CaAdmission admission;
    private final Map<String, Member> others = new ConcurrentHashMap<>();
    /** The newest version seen of each node, kept after it leaves, so that its old records stay old. */
    private final Map<String, Long> versions = new HashMap<>();
    /** The key each present node signs with, the one its certificate binds: what its records are checked against. */
    private final Map<String, VerifyingKey> signingKeys = new HashMap<>();
    private final IgnoredKeys logged = new IgnoredKeys(LOG);
    private final AtomicLong ignored = new AtomicLong();
    private byte[] revocationList;

    ClusterView(EtcdSettings settings, String self, CaAdmission admission) {
        this.settings = settings;
        this.self = self;
        this.admission = admission;
    }

    List<Member> others() {
        return List.copyOf(others.values());
    }

    /** How many records were ignored: unreadable, of an unknown format, refused, forged or replayed. */
    long ignored() {
        return ignored.get();
    }

    /** The signing key of the node {@code name} while its record is held; null for a static host or an absent member. */
    VerifyingKey signingKey(String name) {
        return signingKeys.get(name);
    }

    boolean isSelf(String key) {
        return key.equals(settings.memberKey(self));
    }

    List<MembershipEvent> put(String key, byte[] value) {
        if (key.equals(settings.revocationsKey())) {
            // Not checked here: the listener adopts a list only when the CA signed it.
            if (Arrays.equals(value, revocationList)) {
                return List.of();
            }
            revocationList = value.clone();
            return List.of(new MembershipEvent.Revoked(value));
        }
        String name = memberName(key);
        if (name == null || name.equals(self)) {
            return List.of();
        }
        Member member;
        try {
            member = verified(name, value);
        } catch (IOException | CertificateRejected e) {
            // A record this node cannot trust is one it does not act on: the member is left as it was.
            ignore(key, e.getMessage());
            return List.of();
        }
        if (member == null) {
            return List.of();
        }
        Member before = others.put(name, member);
        return member.equals(before) ? List.of() : List.of(new MembershipEvent.Present(member));
    }

    List<MembershipEvent> delete(String key, String why) {
        String name = memberName(key);
        if (name == null) {
            return List.of();
        }
        Member gone = others.remove(name);
        signingKeys.remove(name);
        return gone == null ? List.of() : List.of(new MembershipEvent.Absent(gone, why));
    }

    /**
     * Replaces the view with a full read of the prefix (key to value), e.g. after the watch's history
     * was compacted away: members missing from it are absent, new or changed ones present.
     */
    List<MembershipEvent> reread(Map<String, byte[]> keys, String whyGone) {
        List<MembershipEvent> events = new ArrayList<>();
        Map<String, Member> before = new HashMap<>(others);
        for (Member member : before.values()) {
            if (!keys.containsKey(settings.memberKey(member.name()))) {
                events.addAll(delete(settings.memberKey(member.name()), whyGone));
            }
        }
        keys.forEach((key, value) -> events.addAll(put(key, value)));
        return events;
    }

    /**
     * The member a value filed under {@code name} describes, once every check passed; null for the
     * record already held (etcd says it again after a re-read).
     *
     * @throws IOException or CertificateRejected saying why the value is not to be believed
     */
    private Member verified(String name, byte[] value) throws IOException, CertificateRejected {
        MemberRecord.Read read = MemberRecord.read(value);
        NodeCertificate cert = admission.check(new Member(name, read.certificate(), null));
        if (cert.kind() == NodeCertificate.Kind.STATIC_HOST) {
            return staticHost(name, cert, read);
        }
        VerifyingKey key = cert.signingKey()
                .orElseThrow(() -> new CertificateRejected(name + ": the certificate binds no signing key"));
        if (!read.signed() || !key.verifies(MemberRecord.DOMAIN, read.statement(), read.signature())) {
            throw new IOException("not signed by " + name + "'s key");
        }
        MemberRecord.Statement statement = MemberRecord.statement(read.statement());
        if (!name.equals(statement.name())) {
            throw new IOException("signed by " + name + " but about '" + statement.name() + "'");
        }
        if (!MessageDigest.isEqual(MemberRecord.sha256(read.certificate()), hex(statement.certificateSha256()))) {
            throw new IOException("signed for another certificate of " + name);
        }
        Long newest = versions.get(name);
        if (newest != null && statement.version() <= newest) {
            if (statement.version() == newest && others.containsKey(name)) {
                return null;
            }
            throw new IOException("version " + statement.version() + " is not newer than " + newest
                    + ", the newest this node has seen of " + name + " (an old record written again)");
        }
        Member member = new Member(name, read.certificate(), MemberRecord.endpoint(statement.endpoint()));
        versions.put(name, statement.version());
        signingKeys.put(name, key);
        return member;
    }

    /** A static host's member: the certificate's endpoint, and the newest certificate issued to it. */
    private Member staticHost(String name, NodeCertificate cert, MemberRecord.Read read) throws IOException {
        Member held = others.get(name);
        if (held != null && admission.issuedMillis(held) > cert.notBefore().toEpochMilli()) {
            throw new IOException("a certificate older than the one held for " + name);
        }
        String endpoint = cert.endpoint().orElseThrow(() -> new IOException("static host certificate names no endpoint"));
        // A host name in the certificate is resolved here, once per record: peers are configured with addresses.
        Member host = new Member(name, read.certificate(), HostPort.parse(endpoint).resolve());
        signingKeys.remove(name);
        return host;
    }

    private void ignore(String key, String why) {
        ignored.incrementAndGet();
        logged.log("record", key, why);
    }

    private static byte[] hex(String text) throws IOException {
        try {
            return HexFormat.of().parseHex(text == null ? "" : text);
        } catch (IllegalArgumentException e) {
            throw new IOException("certificate_sha256 is not hex", e);
        }
    }

    /** The member name a key files, or null for a key of this prefix that is not a member's. */
    private String memberName(String key) {
        String prefix = settings.membersPrefix();
        if (!key.startsWith(prefix) || key.length() == prefix.length() || key.indexOf('/', prefix.length()) >= 0) {
            return null;
        }
        return key.substring(prefix.length());
    }
}
