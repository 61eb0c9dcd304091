package dev.overlayd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import com.southernstorm.noise.protocol.HandshakeState;
import dev.overlayd.node.ClusterIdentity;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.control.ClusterStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.node.control.MemberStatus;
import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.Member;
import dev.overlayd.peers.LinuxBind;
import dev.overlayd.peers.Warmup;
import picocli.CommandLine;

/**
 * The build's class-data-sharing training run: what overlayctl and a starting node do, short of the
 * TUN device and root. The build runs it with {@code -XX:ArchiveClassesAtExit=overlayd.jsa}, and
 * bin/overlayd and bin/overlayctl map that archive: the ~4000 classes a node loads by the time it
 * has joined come loaded and verified, a third of its start-up and of a join's wait (bench/cluster.sh).
 * A new instance of an auto-scaling group has no earlier run to learn from, hence the build.
 */
final class Training {
    private Training() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("overlayd-training");
        try {
            train(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void train(Path dir) throws Exception {
        // overlayctl as an operator runs it: the CA, certificates, a daemon that is not there.
        Path ca = dir.resolve("ca");
        overlayctl(dir, "ca", "init", "--dir", ca.toString(), "--name", "training", "--overlay", "100.64.0.0/16");
        for (String node : List.of("n1", "n2")) {
            overlayctl(dir, "cert", "issue", node, "--ca", ca.toString(), "--out", dir.toString());
        }
        overlayctl(dir, "cert", "show", dir.resolve("n1.crt").toString());
        overlayctl(dir, "peers");
        overlayctl(dir, "--help");

        // overlayd as a node starts: its options, overlay.yaml, the identity check, the admission of a member.
        Path yaml = dir.resolve("overlay.yaml");
        Files.writeString(yaml, "ca: ca/ca.crt\ncertificate: n1.crt\nkey: n1.key\nstate: n1\nseeds: [\"198.18.0.1:51820\"]\n");
        new CommandLine(new Overlayd()).parseArgs("--config", yaml.toString());
        ClusterIdentity id = ClusterIdentity.read(ClusterConfig.parse(yaml));
        ClusterIdentity other = ClusterIdentity.read(ClusterConfig.parse(Files.writeString(dir.resolve("n2.yaml"),
                "ca: ca/ca.crt\ncertificate: n2.crt\nkey: n2.key\nstate: n2\n")));
        new CaAdmission(id.ca(), Clock.systemUTC(), id.saved()).check(new Member("n2", other.certificate().encoded(), null));
        new ObjectMapper().writeValueAsBytes(new ClusterStatus("overlay0", "training", "100.64.0.0/16", "embedded",
                List.of(new MemberStatus("n2", "node", "member", "100.64.1.1", "100.64.1.0/24", null, List.of(), 0,
                        other.certificate().publicKey().toBase64()))));

        // The handshake of a join (Noise_XX with a member), then the start-up warm-up's devices:
        // WireGuard's handshake and the data path.
        join(id, other);
        Warmup.run(100, Duration.ofSeconds(10));

        // The UDP transport, opened on a free port and closed: nothing is sent.
        LinuxBind bind = new LinuxBind();
        bind.open(0, (buf, off, len, from) -> { });
        bind.close();
    }

    private static void join(ClusterIdentity joiner, ClusterIdentity member) throws Exception {
        HandshakeState[] sides = {new HandshakeState("Noise_XX_25519_ChaChaPoly_BLAKE2s", HandshakeState.INITIATOR),
            new HandshakeState("Noise_XX_25519_ChaChaPoly_BLAKE2s", HandshakeState.RESPONDER)};
        sides[0].getLocalKeyPair().setPrivateKey(joiner.key().bytes(), 0);
        sides[1].getLocalKeyPair().setPrivateKey(member.key().bytes(), 0);
        byte[] message = new byte[65535];
        byte[] payload = new byte[65535];
        for (HandshakeState side : sides) {
            side.start();
        }
        for (int step = 0; step < 3; step++) {
            int n = sides[step % 2].writeMessage(message, 0, payload, 0, 100);
            sides[1 - step % 2].readMessage(message, 0, n, payload, 0);
        }
        for (HandshakeState side : sides) {
            side.split().destroy();
            side.destroy();
        }
    }

    private static void overlayctl(Path dir, String... args) throws IOException {
        Overlayctl overlayctl = new Overlayctl();
        overlayctl.controlDirectory = dir.resolve("control");
        CommandLine cli = Overlayctl.commandLine(overlayctl);
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        cli.setOut(nowhere);
        cli.setErr(nowhere);
        cli.execute(args);
    }
}
