package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import dev.overlayd.node.config.WgQuickConfig.InterfaceAddress;
import dev.overlayd.node.config.WgQuickConfig.PeerConfig;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WgQuickConfigTest {

    /** Deterministic keys: a private key of bytes n, n+1, ... and its public key. */
    private static PrivateKey privateKey(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed + i);
        }
        return PrivateKey.of(b);
    }

    private static final PrivateKey OWN = privateKey(1);
    private static final String OWN_PRIV = OWN.toBase64();
    private static final String OWN_PUB = OWN.publicKey().toBase64();
    private static final String PUB1 = privateKey(50).publicKey().toBase64();
    private static final String PUB2 = privateKey(100).publicKey().toBase64();
    private static final String PUB3 = privateKey(150).publicKey().toBase64();
    private static final String PSK = privateKey(200).toBase64();

    private static String iface() {
        return "[Interface]\nPrivateKey = " + OWN_PRIV + "\n";
    }

    private static ConfigException fails(String text) {
        return assertThrows(ConfigException.class, () -> WgQuickConfig.parse("wg0.conf", text));
    }

    private static void assertError(String expected, String text) {
        assertEquals(expected, fails(text).getMessage());
    }

    private static IpPrefix prefix(String text) {
        return IpPrefix.parse(text);
    }

    @Test
    void parsesAFullConfig() throws Exception {
        String text = """
                # wg0: the office gateway
                [Interface]
                PrivateKey = %s
                listenport = 51820
                Address = 100.64.0.1/24, fd00::1/64
                ADDRESS = 10.9.0.7   # a second Address line adds to the first
                Mtu = 1420

                [peer]
                # Name = db1
                PublicKey = %s
                presharedkey = %s
                Endpoint = db1.example.com:51820
                AllowedIPs = 100.64.0.2/32, 10.0.0.0/8 # office
                allowedips = fd00::2/128
                PersistentKeepalive = 25

                [Peer]
                #Name: laptop
                PUBLICKEY = %s
                Endpoint = [2001:db8::1]:51821
                AllowedIPs = 100.64.0.3/32,fd00::3
                PersistentKeepalive = off

                  [ PEER ]   # no name, no endpoint
                \tPublicKey=%s
                """.formatted(OWN_PRIV, PUB1, PSK, PUB2, PUB3);
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf", text);

        WgQuickConfig.Interface iface = config.iface();
        assertEquals(OWN, iface.privateKey());
        assertEquals(51820, iface.listenPort());
        assertEquals(1420, iface.mtu());
        assertEquals(List.of(
                new InterfaceAddress(InetAddress.getByName("100.64.0.1"), 24),
                new InterfaceAddress(InetAddress.getByName("fd00::1"), 64),
                new InterfaceAddress(InetAddress.getByName("10.9.0.7"), 32)), iface.addresses());
        assertEquals("100.64.0.1/24", iface.addresses().get(0).toString(), "host bits are kept");
        assertEquals(prefix("100.64.0.0/24"), iface.addresses().get(0).network());
        assertEquals("fd00::1/64", iface.addresses().get(1).toString());

        assertEquals(3, config.peers().size());
        PeerConfig db1 = config.peers().get(0);
        assertEquals("db1", db1.name());
        assertEquals(PublicKey.fromBase64(PUB1), db1.publicKey());
        assertEquals(PresharedKey.fromBase64(PSK), db1.presharedKey());
        assertEquals("db1.example.com:51820", db1.endpoint());
        assertEquals("db1.example.com", db1.endpointHost());
        assertEquals(51820, db1.endpointPort());
        assertEquals(List.of(prefix("100.64.0.2/32"), prefix("10.0.0.0/8"), prefix("fd00::2/128")), db1.allowedIps());
        assertEquals(25, db1.persistentKeepalive());

        PeerConfig laptop = config.peers().get(1);
        assertEquals("laptop", laptop.name());
        assertEquals(PublicKey.fromBase64(PUB2), laptop.publicKey());
        assertNull(laptop.presharedKey());
        assertEquals("[2001:db8::1]:51821", laptop.endpoint());
        assertEquals("2001:db8::1", laptop.endpointHost());
        assertEquals(51821, laptop.endpointPort());
        assertEquals(List.of(prefix("100.64.0.3/32"), prefix("fd00::3/128")), laptop.allowedIps());
        assertEquals(0, laptop.persistentKeepalive(), "off is 0");

        PeerConfig third = config.peers().get(2);
        assertNull(third.name());
        assertEquals(PublicKey.fromBase64(PUB3), third.publicKey());
        assertNull(third.endpoint());
        assertEquals(0, third.endpointPort());
        assertEquals(List.of(), third.allowedIps());
        assertNull(third.persistentKeepalive());
    }

    @Test
    void optionalSettingsAreNullAndCrLfAndBomAreAccepted() throws Exception {
        String text = "\uFEFF[Interface]\r\nPrivateKey = " + OWN_PRIV + "\r\n\r\n[Peer]\r\nPublicKey = " + PUB1 + "\r\n";
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf", text);
        assertNull(config.iface().listenPort());
        assertNull(config.iface().mtu());
        assertEquals(List.of(), config.iface().addresses());
        assertEquals(1, config.peers().size());
    }

    @Test
    void boundaryValuesAreAccepted() throws Exception {
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf", iface() + """
                ListenPort = 0
                MTU = 576
                Address = 10.0.0.1/32
                [Peer]
                PublicKey = %s
                Endpoint = 192.0.2.1:65535
                PersistentKeepalive = 65535
                [Peer]
                PublicKey = %s
                Endpoint = not-resolved.invalid:1
                PersistentKeepalive = 0
                PresharedKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
                """.formatted(PUB1, PUB2));
        assertEquals(0, config.iface().listenPort(), "0 is any port");
        assertEquals(576, config.iface().mtu());
        assertEquals(65535, config.peers().get(0).persistentKeepalive());
        assertEquals("not-resolved.invalid:1", config.peers().get(1).endpoint(), "names are not resolved");
        assertNull(config.peers().get(1).presharedKey(), "an all-zero preshared key is none");
        assertEquals(1280, WgQuickConfig.parse("wg0.conf", iface() + "MTU = 1280\nAddress = fd00::1/64\n").iface().mtu());
        assertEquals(65535, WgQuickConfig.parse("wg0.conf", iface() + "MTU = 65535\n").iface().mtu());
    }

    @Test
    void ipv4MappedAddressesStayIpv6() throws Exception {
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf", iface() + "Address = ::ffff:10.0.0.1/120, 10.0.0.2/8\n");
        InterfaceAddress mapped = config.iface().addresses().get(0);
        assertInstanceOf(Inet6Address.class, mapped.address());
        assertFalse(mapped.isIpv4());
        assertEquals("::ffff:10.0.0.1/120", mapped.toString());
        assertInstanceOf(Inet4Address.class, config.iface().addresses().get(1).address());
    }

    // ---- errors, each with its exact message ----

    @Test
    void badPrivateKey() {
        assertError("wg0.conf:2: PrivateKey is not a valid base64 key (44 characters encoding 32 bytes)",
                "[Interface]\nPrivateKey = notakey\n");
        assertError("wg0.conf:2: PrivateKey is all zeros",
                "[Interface]\nPrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    }

    @Test
    void badPublicAndPresharedKeys() {
        assertError("wg0.conf:4: PublicKey is not a valid base64 key (44 characters encoding 32 bytes)",
                iface() + "[Peer]\nPublicKey = " + PUB1.substring(1) + "\n");
        assertError("wg0.conf:4: PublicKey is all zeros",
                iface() + "[Peer]\nPublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        assertError("wg0.conf:5: PresharedKey is not a valid base64 key (44 characters encoding 32 bytes)",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nPresharedKey = " + PSK + "A\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"65536", "-1", "+5", "port", "5 1", "99999999999"})
    void badListenPort(String value) {
        assertError("wg0.conf:3: ListenPort must be a number from 0 (any port) to 65535, not " + value,
                iface() + "ListenPort = " + value + "\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"575", "65536", "0", "big"})
    void badMtu(String value) {
        assertError("wg0.conf:3: MTU must be a number from 576 to 65535, not " + value, iface() + "MTU = " + value + "\n");
    }

    @Test
    void mtuBelowTheIpv6MinimumWithAnIpv6Address() {
        assertError("wg0.conf:3: MTU 1279 is below 1280, the IPv6 minimum, and Address fd00::1/64 is IPv6",
                iface() + "MTU = 1279\nAddress = 10.0.0.1/24\nAddress = fd00::1/64\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"65536", "-1", "sometimes", "on"})
    void badPersistentKeepalive(String value) {
        assertError("wg0.conf:5: PersistentKeepalive must be off or a number of seconds from 0 to 65535, not " + value,
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nPersistentKeepalive = " + value + "\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            vpn.example.com              | Endpoint vpn.example.com has no :port
            vpn.example.com:0            | Endpoint vpn.example.com:0 must end with a port from 1 to 65535
            vpn.example.com:65536        | Endpoint vpn.example.com:65536 must end with a port from 1 to 65535
            vpn.example.com:https        | Endpoint vpn.example.com:https must end with a port from 1 to 65535
            vpn.example.com:             | Endpoint vpn.example.com: must end with a port from 1 to 65535
            2001:db8::1:51820            | Endpoint 2001:db8::1:51820 must write an IPv6 address in brackets, [address]:port
            [2001:db8::1:51820           | Endpoint [2001:db8::1:51820 has [ without ]
            [2001:db8::1]51820           | Endpoint [2001:db8::1]51820 must be [IPv6]:port
            [192.0.2.1]:51820            | Endpoint [192.0.2.1]:51820 must have an IPv6 address between [ and ]
            [fe80::1%eth 0]:51820        | Endpoint [fe80::1%eth 0]:51820 has a malformed IPv6 zone
            :51820                       | Endpoint :51820 does not start with a host name or IPv4 address
            bad_host!:51820              | Endpoint bad_host!:51820 does not start with a host name or IPv4 address
            vpn..example.com:51820       | Endpoint vpn..example.com:51820 does not start with a host name or IPv4 address
            -vpn.example.com:51820       | Endpoint -vpn.example.com:51820 does not start with a host name or IPv4 address
            192.0.2.300:51820            | Endpoint 192.0.2.300:51820 does not start with a host name or IPv4 address
            """)
    void badEndpoint(String value, String problem) {
        assertError("wg0.conf:5: " + problem, iface() + "[Peer]\nPublicKey = " + PUB1 + "\nEndpoint = " + value + "\n");
    }

    @Test
    void acceptedEndpointForms() throws Exception {
        for (String endpoint : List.of("192.0.2.1:51820", "[fe80::1%eth0]:51820", "vpn.example.com.:51820",
                "localhost:1", "[::ffff:192.0.2.1]:51820")) {
            WgQuickConfig config = WgQuickConfig.parse("wg0.conf",
                    iface() + "[Peer]\nPublicKey = " + PUB1 + "\nEndpoint = " + endpoint + "\n");
            assertEquals(endpoint, config.peers().getFirst().endpoint());
        }
    }

    @Test
    void duplicatePublicKeyAmongPeers() {
        assertError("wg0.conf:7: PublicKey is already used by the [Peer] db1 on line 3",
                iface() + "[Peer]\n# Name = db1\nPublicKey = " + PUB1 + "\n[Peer]\nPublicKey = " + PUB1 + "\n");
        assertError("wg0.conf:6: PublicKey is already used by the [Peer] on line 3",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\n[Peer]\nPublicKey = " + PUB1 + "\n");
    }

    @Test
    void peerWithOurOwnPublicKey() {
        assertError("wg0.conf:4: PublicKey is this interface's own public key (the one its PrivateKey gives)",
                iface() + "[Peer]\nPublicKey = " + OWN_PUB + "\n");
        // The [Interface] may come last; the check still points at the peer's line.
        assertError("wg0.conf:2: PublicKey is this interface's own public key (the one its PrivateKey gives)",
                "[Peer]\nPublicKey = " + OWN_PUB + "\n" + iface());
    }

    @Test
    void keyOutsideAnySection() {
        assertError("wg0.conf:2: PrivateKey is outside any section (an [Interface] or [Peer] header must come first)",
                "# comment\nPrivateKey = " + OWN_PRIV + "\n" + iface());
        assertError("wg0.conf:1: Colour is outside any section (an [Interface] or [Peer] header must come first)",
                "Colour = blue\n");
    }

    @Test
    void unknownSection() {
        assertError("wg0.conf:3: unknown section [Peers] (expected [Interface] or [Peer])", iface() + "[Peers]\n");
        assertError("wg0.conf:3: malformed section header (expected [Interface] or [Peer])", iface() + "[Peer\n");
        assertError("wg0.conf:3: malformed section header (expected [Interface] or [Peer])", iface() + "[Peer] x\n");
    }

    @Test
    void unknownAndMisplacedKeys() {
        assertError("wg0.conf:3: unknown key Colour in [Interface]", iface() + "Colour = blue\n");
        assertError("wg0.conf:5: unknown key Colour in [Peer]", iface() + "[Peer]\nPublicKey = " + PUB1 + "\nColour = blue\n");
        assertError("wg0.conf:3: PublicKey belongs in [Peer], not in [Interface]", iface() + "PublicKey = " + PUB1 + "\n");
        assertError("wg0.conf:4: ListenPort belongs in [Interface], not in [Peer]", iface() + "[Peer]\nListenPort = 1\n");
        assertError("wg0.conf:3: expected a [Section] header, a Key = Value line or a # comment", iface() + "Address\n");
        assertError("wg0.conf:3: no key name before =", iface() + "= 10.0.0.1\n");
        assertError("wg0.conf:3: Address has no value", iface() + "Address =   # nothing\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PostUp     | overlayd does not support PostUp (overlayd never runs commands from a configuration file); remove it
            preup      | overlayd does not support PreUp (overlayd never runs commands from a configuration file); remove it
            PreDown    | overlayd does not support PreDown (overlayd never runs commands from a configuration file); remove it
            POSTDOWN   | overlayd does not support PostDown (overlayd never runs commands from a configuration file); remove it
            DNS        | overlayd does not support DNS (overlayd does not change the host's resolver); remove it
            Table      | overlayd does not support Table (overlayd does not manage the host's routing tables or firewall marks); remove it
            FwMark     | overlayd does not support FwMark (overlayd does not manage the host's routing tables or firewall marks); remove it
            SaveConfig | overlayd does not support SaveConfig (overlayd does not write its configuration back); remove it
            """)
    void unsupportedWgQuickKeys(String key, String problem) {
        assertError("wg0.conf:3: " + problem, iface() + key + " = iptables -A FORWARD -i %i -j ACCEPT\n");
    }

    @Test
    void missingRequiredKeysNameTheSectionAndHaveNoLine() {
        ConfigException e = fails("# hello\n[Interface]\nListenPort = 51820\n[Peer]\nPublicKey = " + PUB1 + "\n");
        assertEquals("wg0.conf: [Interface] on line 2 has no PrivateKey", e.getMessage());
        assertEquals(0, e.line());
        assertEquals("wg0.conf", e.file());
        assertEquals("[Interface] on line 2 has no PrivateKey", e.problem());

        assertError("wg0.conf: [Peer] on line 5 has no PublicKey",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\n[Peer]\nEndpoint = 192.0.2.1:51820\n");
        assertError("wg0.conf: [Peer] on line 3 has no PublicKey", iface() + "[Peer]\n[Peer]\nPublicKey = " + PUB1 + "\n");
        assertError("wg0.conf: no [Interface] section", "[Peer]\nPublicKey = " + PUB1 + "\n");
        assertError("wg0.conf: no [Interface] section", "");
    }

    @Test
    void repeatedSectionsAndKeys() {
        assertError("wg0.conf:3: a second [Interface] section (the first is on line 1)", iface() + "[interface]\n");
        assertError("wg0.conf:4: ListenPort is set twice in [Interface] (first on line 3)",
                iface() + "ListenPort = 1\nListenPort = 2\n");
        assertError("wg0.conf:3: PrivateKey is set twice in [Interface] (first on line 2)", iface() + "privatekey = x\n");
        assertError("wg0.conf:6: Endpoint is set twice in this [Peer] (first on line 5)",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nEndpoint = a:1\nEndpoint = b:1\n");
    }

    @Test
    void badAddressesAndAllowedIps() {
        assertError("wg0.conf:3: Address 10.0.0.300/24 is not an IP address with an optional /prefix length",
                iface() + "Address = 10.0.0.300/24\n");
        assertError("wg0.conf:3: Address 10.0.0.1/33 has a prefix length that is not from 0 to 32",
                iface() + "Address = 10.0.0.1/33\n");
        assertError("wg0.conf:3: Address fd00::1/ has a prefix length that is not from 0 to 128",
                iface() + "Address = fd00::1/\n");
        assertError("wg0.conf:3: Address fe80::1%eth0/64 is not an IP address with an optional /prefix length",
                iface() + "Address = fe80::1%eth0/64\n");
        assertError("wg0.conf:3: Address has an empty entry (check the commas)", iface() + "Address = 10.0.0.1/24,\n");
        assertError("wg0.conf:4: Address 10.0.0.1/24 is listed twice (first on line 3)",
                iface() + "Address = 10.0.0.1/24\nAddress = 10.0.0.1/24\n");
        assertError("wg0.conf:5: AllowedIPs vpn.example.com is not an IP address with an optional /prefix length",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nAllowedIPs = 10.0.0.0/8, vpn.example.com\n");
        assertError("wg0.conf:5: AllowedIPs 10.0.0.0/8 is listed twice for this [Peer] (first on line 5)",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nAllowedIPs = 10.0.0.0/8, 10.1.2.3/8\n");
        assertError("wg0.conf:9: AllowedIPs 10.0.0.0/8 is already routed to the [Peer] db1 on line 3"
                        + " (a prefix can belong to one peer only)",
                iface() + "[Peer]\n#name=db1\nPublicKey = " + PUB1 + "\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey = " + PUB2
                        + "\nAllowedIPs = 192.168.0.0/16, 10.0.0.0/8\n");
    }

    @Test
    void peerNames() throws Exception {
        assertError("wg0.conf:6: a second Name comment for this [Peer] (the first is on line 4)",
                iface() + "[Peer]\n# Name = db1\nPublicKey = " + PUB1 + "\n# Name: db2\n");
        assertError("wg0.conf:7: the peer name db1 is already used by the [Peer] on line 3",
                iface() + "[Peer]\n# Name = db1\nPublicKey = " + PUB1 + "\n[Peer]\n# Name = db1\nPublicKey = " + PUB2 + "\n");
        assertError("wg0.conf:4: the Name comment gives no name", iface() + "[Peer]\n# Name =\nPublicKey = " + PUB1 + "\n");
        // A Name comment outside a [Peer] section is an ordinary comment, and so is an inline one.
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf",
                "# Name = gateway\n" + iface() + "# Name = self\n[Peer]\nPublicKey = " + PUB1 + " # Name = x\n");
        assertNull(config.peers().getFirst().name());
        // Spaces inside a name survive; the value is trimmed.
        config = WgQuickConfig.parse("wg0.conf", iface() + "[Peer]\n##   NAME :  db one  \nPublicKey = " + PUB1 + "\n");
        assertEquals("db one", config.peers().getFirst().name());
    }

    // ---- secrets never leak ----

    @Test
    void aBadPrivateKeyValueIsNotInTheMessage() {
        // One character short of a real key: the rest is still secret material.
        String almost = OWN_PRIV.substring(0, 42) + "=";
        ConfigException e = fails("[Interface]\nPrivateKey = " + almost + "\n");
        assertEquals("wg0.conf:2: PrivateKey is not a valid base64 key (44 characters encoding 32 bytes)", e.getMessage());
        assertNoSecret(e.getMessage() + e, almost, OWN_PRIV);

        ConfigException psk = fails(iface() + "[Peer]\nPublicKey = " + PUB1 + "\nPresharedKey = " + PSK + "x\n");
        assertNoSecret(psk.getMessage(), PSK);
    }

    @Test
    void aKeyPastedInTheWrongPlaceIsNotEchoed() {
        // A key alone on a line parses as a key name ("abc...") with an empty value.
        assertError("wg0.conf:3: unknown key (name not shown) in [Interface]", iface() + OWN_PRIV + "\n");
        assertError("wg0.conf:1: a key (name not shown) is outside any section (an [Interface] or [Peer] header must come first)",
                OWN_PRIV + "\n");
        assertError("wg0.conf:3: expected a [Section] header, a Key = Value line or a # comment",
                iface() + OWN_PRIV.substring(0, 43) + "\n");
        assertError("wg0.conf:3: unknown section (expected [Interface] or [Peer])", iface() + "[" + OWN_PRIV + "]\n");
        // ... or as another setting's value.
        assertError("wg0.conf:3: Address (value not shown) is not an IP address with an optional /prefix length",
                iface() + "Address = " + OWN_PRIV + "\n");
        assertError("wg0.conf:3: ListenPort must be a number from 0 (any port) to 65535, not (value not shown)",
                iface() + "ListenPort = " + OWN_PRIV + "\n");
        assertError("wg0.conf:5: Endpoint (value not shown) has no :port",
                iface() + "[Peer]\nPublicKey = " + PUB1 + "\nEndpoint = " + PSK + "\n");
        assertError("wg0.conf:3: MTU must be a number from 576 to 65535, not (value not shown)",
                iface() + "MTU = " + OWN.toHex() + "\n");
    }

    @Test
    void toStringHidesPrivateAndPresharedKeys() throws Exception {
        WgQuickConfig config = WgQuickConfig.parse("wg0.conf",
                iface() + "Address = 10.0.0.1/24\n[Peer]\nPublicKey = " + PUB1 + "\nPresharedKey = " + PSK + "\n");
        String text = config.toString();
        assertNoSecret(text, OWN_PRIV, OWN.toHex(), PSK, PresharedKey.fromBase64(PSK).toHex());
        assertNoSecret(config.iface().toString(), OWN_PRIV, OWN.toHex());
        assertNoSecret(config.peers().toString(), PSK);
        assertTrue(text.contains(PUB1), "public keys may be shown: " + text);
        assertTrue(text.contains("10.0.0.1/24"), text);
        assertTrue(text.contains("presharedKey=(hidden)"), text);
    }

    private static void assertNoSecret(String text, String... secrets) {
        for (String secret : secrets) {
            assertFalse(text.contains(secret), "leaks a secret: " + text);
            // Nor any long piece of it.
            for (int i = 0; i + 16 <= secret.length(); i++) {
                assertFalse(text.contains(secret.substring(i, i + 16)), "leaks part of a secret: " + text);
            }
        }
    }

    // ---- files ----

    @Test
    void parsePathNamesTheFileInMessages(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.conf");
        Files.writeString(file, iface() + "ListenPort = 70000\n");
        ConfigException e = assertThrows(ConfigException.class, () -> WgQuickConfig.parse(file));
        assertEquals("office.conf:3: ListenPort must be a number from 0 (any port) to 65535, not 70000", e.getMessage());
        assertEquals("office.conf", e.file());
        assertEquals(3, e.line());

        Files.writeString(file, iface() + "[Peer]\nPublicKey = " + PUB1 + "\n");
        assertEquals(PublicKey.fromBase64(PUB1), WgQuickConfig.parse(file).peers().getFirst().publicKey());

        ConfigException missing = assertThrows(ConfigException.class, () -> WgQuickConfig.parse(dir.resolve("nope.conf")));
        assertEquals("nope.conf: no such file", missing.getMessage());
    }

    @Test
    void parsePathRefusesNonUtf8AndHugeFiles(@TempDir Path dir) throws Exception {
        Path latin1 = dir.resolve("latin1.conf");
        Files.write(latin1, ("# caf\u00e9\n" + iface()).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("latin1.conf: is not valid UTF-8 text",
                assertThrows(ConfigException.class, () -> WgQuickConfig.parse(latin1)).getMessage());

        Path huge = dir.resolve("huge.conf");
        byte[] comments = new byte[WgQuickConfig.MAX_FILE_BYTES + 1];
        Arrays.fill(comments, (byte) '#');
        Files.write(huge, comments);
        assertEquals("huge.conf: is larger than 1 MiB, too large for a wg-quick configuration",
                assertThrows(ConfigException.class, () -> WgQuickConfig.parse(huge)).getMessage());
    }

    @Test
    void messagesStayOnOneLine() {
        ConfigException e = new ConfigException("evil\nname.conf", 3, "bad\r\nthing\u2028here");
        assertEquals("evil?name.conf:3: bad??thing?here", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConfigException("x", -1, "p"));
    }
}
