package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Enrolment on real daemons: h1 holds an issuer (an intermediate of the test CA, whose root key is
 * used only to create it) and hands out join tokens; h2 is a member with an operator's certificate;
 * new instances have nothing but a token and their seeds. A token buys a certificate and a subnet
 * from the issuer's range, and the newcomer reaches every member; used-up, expired and foreign
 * tokens are refused; a short-lived certificate is renewed while the node runs; a revoked node's
 * subnet goes to the next newcomer once the grace period is over, with either membership backend.
 */
class EnrolmentTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String RANGE = "100.64.128.0/20";
    private static final Pattern TOKEN = Pattern.compile("ovl1\\.\\S+");

    @TempDir
    Path dir;
    private Cluster cluster;

    private boolean etcd;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(dir);
    }

    /** h1, the issuing member, and h2, a member with an operator's certificate, on the embedded backend or etcd. */
    private void issuerAndMember(boolean onEtcd) throws Exception {
        etcd = onEtcd;
        Cluster.overlayctl("ca", "issuer", "asg", "--range", RANGE, "--ca", cluster.ca.toString());
        if (etcd) {
            cluster.startEtcd();
        }
        Path yaml = etcd ? cluster.addEtcdHost(1, "10s") : cluster.addHost(1, "10s");
        Files.writeString(yaml, Files.readString(yaml) + "enrolment:\n  issuer:\n"
                + "    certificate: ../ca/issuers/asg.crt\n    key: ../ca/issuers/asg.key\n"
                + "  lifetime: 90s\n  grace: 5s\n"
                + "metrics: {listen: 127.0.0.1:9586}\n");
        if (etcd) {
            cluster.addEtcdHost(2, "10s");
        } else {
            cluster.addHost(2, "10s", 1);
        }
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
    }

    /** A new instance with only {@code token}, its seed the issuing member h1 (which it enrols with). */
    private void newcomer(int n, String token) throws Exception {
        newcomer(n, token, 1);
    }

    private void newcomer(int n, String token, int seed) throws Exception {
        cluster.addEnrollingHost(n, token, etcd ? cluster.etcdMembership(n, "10s") : "  ttl: 10s\n", seed);
    }

    @AfterEach
    void tearDown() throws Exception {
        // null when the constructor failed, which removed what it had made itself.
        if (cluster != null) {
            cluster.close();
        }
    }

    private String token(String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(Cluster.OVERLAYCTL.toString(), "token", "create"));
        args.addAll(List.of(options));
        args.add(cluster.iface(1));
        String out = cluster.exec(1, args.toArray(String[]::new));
        Matcher m = TOKEN.matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }

    private Path certificate(int n) {
        return dir.resolve(cluster.iface(n)).resolve("state/node.crt");
    }

    private String show(int n) throws Exception {
        return Cluster.overlayctl("cert", "show", certificate(n).toString());
    }

    @Test
    void aNodeWithOnlyATokenJoinsReachesEveryMemberAndRenewsItsCertificate() throws Exception {
        issuerAndMember(false);
        // Its only seed is h2, which issues nothing and points it to h1.
        newcomer(3, token("--uses", "1"), 2);
        cluster.start(3);
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        assertTrue(cluster.logText(3).contains(Cluster.underlay(2) + ":51820 points to " + Cluster.underlay(1) + ":51820"),
                cluster.logText(3));
        String shown = show(3);
        assertTrue(shown.contains("100.64.128."), "a subnet of the issuer's range " + RANGE + ":\n" + shown);
        String address = "100.64.128.1";
        cluster.exec(3, "ping", "-c", "1", "-W", "5", cluster.overlay(1));
        cluster.exec(3, "ping", "-c", "1", "-W", "5", cluster.overlay(2));
        cluster.exec(2, "ping", "-c", "1", "-W", "5", address);
        // The private key never left the node: it is the one in its state directory, 0600.
        Path key = dir.resolve(cluster.iface(3)).resolve("state/node.key");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(cluster.logText(1).contains("enrolment: issued h3 " + address), cluster.logText(1));

        // 90 s certificates: renewed after 60 s, with the same address and subnet, while the tunnels stay.
        String before = Files.readString(certificate(3));
        // The line comes once the new certificate is on disk and in h3's record.
        Await.until("h3 to renew its certificate", Duration.ofSeconds(120), () -> cluster.logText(3).contains("certificate renewed"),
                () -> cluster.logText(3));
        assertNotEquals(before, Files.readString(certificate(3)));
        assertTrue(show(3).contains(address), show(3));
        Await.until("h2 to hold h3's renewed certificate", CONVERGE, () -> {
            String members = Cluster.overlayctl("members", cluster.iface(2), "--json");
            return members.contains(String.valueOf(renewedNotAfter()));
        }, () -> cluster.logText(2));
        cluster.exec(2, "ping", "-c", "1", "-W", "5", address);
    }

    /** The notAfter of h3's certificate on disk, in epoch seconds, as `overlayctl members --json` shows it. */
    private long renewedNotAfter() throws Exception {
        String json = Cluster.overlayctl("cert", "show", certificate(3).toString(), "--json");
        Matcher m = Pattern.compile("\"notAfter\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), json);
        return java.time.Instant.parse(m.group(1)).getEpochSecond();
    }

    @Test
    void usedUpExpiredAndForeignTokensAreRefused() throws Exception {
        issuerAndMember(false);
        String once = token("--uses", "1");
        newcomer(3, once);
        cluster.start(3);
        awaitPeers(3, 2);

        newcomer(4, once);
        assertRefused(4, "refused the token");

        String expiring = token("--ttl", "1s");
        Thread.sleep(2000);
        newcomer(5, expiring);
        assertRefused(5, "refused the token");

        // The token's last field before the issuer's name is the CA's fingerprint: another cluster's.
        String good = token();
        String[] parts = good.split("\\.", 5);
        parts[3] = "0".repeat(64);
        newcomer(6, String.join(".", parts));
        assertRefused(6, "not of the cluster the token names");

        // The issuer says no more than "refused" about which fault a token had.
        String log = cluster.logText(1);
        assertTrue(log.contains("enrolment: refused"), log);
        assertFalse(log.contains("expired") && log.contains("used up") && !log.contains("unknown, expired, used up"), log);
        assertEquals(2, cluster.peers(1).size(), cluster.peers(1).toString());
        // The newcomer with another cluster's fingerprint gave up before the issuer had anything to count.
        String metrics = cluster.exec(1, "curl", "-sS", "http://127.0.0.1:9586/metrics");
        assertTrue(metrics.contains("overlayd_enrolments_total{result=\"issued\"} 1.0"), metrics);
        assertTrue(metrics.contains("overlayd_enrolments_total{result=\"refused\"} 2.0"), metrics);
    }

    private void assertRefused(int n, String why) throws Exception {
        try {
            cluster.start(n);
        } catch (IOException e) {
            assertTrue(e.getMessage().contains(why), e.getMessage());
            assertFalse(Files.exists(certificate(n)));
            return;
        }
        throw new AssertionError("h" + n + " started: " + cluster.logText(n));
    }

    @ParameterizedTest(name = "etcd: {0}")
    @ValueSource(booleans = {false, true})
    void aRevokedNodesSubnetGoesToTheNextNewcomerAfterTheGracePeriod(boolean onEtcd) throws Exception {
        issuerAndMember(onEtcd);
        String tokens = token("--uses", "3");
        newcomer(3, tokens);
        cluster.start(3);
        newcomer(4, tokens);
        cluster.start(4);
        awaitPeers(1, 3);
        String subnet4 = subnet(show(4));
        assertNotEquals(subnet(show(3)), subnet4);

        cluster.stop(4, "TERM");
        Cluster.overlayctl("cert", "revoke", serial(show(4)), "--ca", cluster.ca.toString());
        cluster.exec(1, Cluster.OVERLAYCTL.toString(), "revoke", cluster.ca.resolve("revoked.crl").toString(),
                cluster.iface(1));
        // The grace period is 5 s here (24 h by default).
        Thread.sleep(6000);
        newcomer(5, tokens);
        cluster.start(5);
        assertEquals(subnet4, subnet(show(5)));
        awaitPeers(5, 3);
    }

    @Test
    void aNodeStoppedPastItsCertificatesLifeEnrolsAgainAndKeepsItsSubnet() throws Exception {
        issuerAndMember(false);
        newcomer(3, token("--uses", "0"));
        cluster.start(3);
        awaitPeers(3, 2);
        String subnet = subnet(show(3));
        cluster.stop(3, "TERM");
        // 90 s certificates: stopped, it cannot renew; started after its certificate ran out, it enrols again.
        long wait = java.time.Duration.between(java.time.Instant.now(),
                java.time.Instant.ofEpochSecond(renewedNotAfter())).toMillis() + 1000;
        Thread.sleep(Math.max(0, wait));
        cluster.start(3);
        assertTrue(cluster.logText(3).contains("enrolling again with the token"), cluster.logText(3));
        assertEquals(subnet, subnet(show(3)), "the same key gets its subnet back within the grace period");
        awaitPeers(3, 2);
    }

    private static String subnet(String shown) {
        Matcher m = Pattern.compile("100\\.64\\.\\d+\\.0/\\d+").matcher(shown);
        assertTrue(m.find(), shown);
        return m.group();
    }

    private static String serial(String shown) {
        Matcher m = Pattern.compile("serial\\s*:?\\s*([0-9a-f]+)").matcher(shown);
        assertTrue(m.find(), shown);
        return m.group(1);
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
