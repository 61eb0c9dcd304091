package dev.overlayd.node;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import com.fasterxml.jackson.core.JacksonException;
import dev.overlayd.membership.enrolment.EnrolmentResponder;
import dev.overlayd.membership.enrolment.EnrolmentRedirects;
import dev.overlayd.membership.enrolment.JoinToken;
import dev.overlayd.membership.enrolment.TokenStore;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.peers.IpPrefix;

/**
 * A member that issues certificates (overlay.yaml's {@code enrolment.issuer}): its issuer and its
 * ledger (in the state directory's issuing/), its join tokens (tokens.json), what answers enrolment
 * on the device's port, and the `overlayctl token` commands.
 */
final class Issuing {
    /** What `overlayctl token create` asks for; {@code uses} 0 is unlimited. */
    record TokenRequest(long ttl, int uses, List<String> groups) {}

    record TokenCreated(String token, String id, long expires) {}

    record TokenStatus(String id, long created, long expires, int uses, int used, List<String> groups, boolean revoked) {}

    private final Issuer issuer;
    private final TokenStore tokens;
    private final Duration lifetime;
    private final byte[] caFingerprint;
    private final ClusterIdentity id;
    private final Supplier<Set<IpPrefix>> heldByMembers;

    Issuing(ClusterConfig config, ClusterIdentity id, Supplier<Set<IpPrefix>> heldByMembers) throws IOException {
        this.id = id;
        this.heldByMembers = heldByMembers;
        ClusterConfig.Issuing settings = config.issuing();
        lifetime = settings.lifetime();
        caFingerprint = id.ca().fingerprint();
        try {
            FirstEnrolment.createState(config.state());
            issuer = Issuer.load(settings.certificate(), settings.key(), id.ca(), config.state().resolve("issuing"),
                    settings.grace(), Clock.systemUTC());
            tokens = new TokenStore(config.state().resolve("tokens.json"), Clock.systemUTC());
        } catch (IdentityException e) {
            throw new IOException("enrolment.issuer: " + e.getMessage(), e);
        }
    }

    /** What answers enrolment here: this member's issuer for tokens that name {@code self}, {@code others} for the rest. */
    EnrolmentResponder responder(String self, EnrolmentRedirects others, EnrolmentResponder.Events events) {
        return new EnrolmentResponder(self, others, issuer, tokens, id.ca(), id.key(), heldByMembers, lifetime,
                dev.overlayd.noise.Clock.SYSTEM, new SecureRandom(), events);
    }

    /** `overlayctl token create|list|revoke`, for tokens that name {@code self} as their issuer. */
    void addCommands(ControlProtocol control, String self) {
        control.add("token-create", argument -> {
            TokenRequest request;
            try {
                request = ControlProtocol.JSON.readValue(argument, TokenRequest.class);
            } catch (JacksonException e) {
                throw new IOException("token-create takes {\"ttl\": SECONDS, \"uses\": N, \"groups\": [...]}");
            }
            if (request.ttl() <= 0 || request.uses() < 0) {
                throw new IOException("a token's ttl is more than 0 seconds and its uses 0 (unlimited) or more");
            }
            try {
                JoinToken token = tokens.create(self, caFingerprint, Duration.ofSeconds(request.ttl()), request.uses(),
                        request.groups() == null ? List.of() : request.groups());
                TokenStore.TokenInfo info = tokens.list().stream().filter(t -> t.id().equals(token.id())).findFirst().orElseThrow();
                return new TokenCreated(token.text(), token.id(), info.expires().getEpochSecond());
            } catch (IdentityException e) {
                throw new IOException(e.getMessage(), e);
            }
        });
        control.add("token-list", argument -> Map.of("tokens", tokens.list().stream()
                .map(t -> new TokenStatus(t.id(), t.created().getEpochSecond(), t.expires().getEpochSecond(), t.uses(),
                        t.used(), t.groups(), t.revoked()))
                .toList()));
        control.add("token-revoke", argument -> {
            try {
                return Map.of("revoked", tokens.revoke(argument));
            } catch (IdentityException e) {
                throw new IOException(e.getMessage(), e);
            }
        });
    }

    /** On a member that issues nothing, the commands say where issuing is configured. */
    static void refuseCommands(ControlProtocol control) {
        for (String command : List.of("token-create", "token-list", "token-revoke")) {
            control.add(command, argument -> {
                throw new IOException("this node issues no certificates: give it enrolment.issuer in overlay.yaml");
            });
        }
    }

    /** Whether this member's issuer signed {@code cert}. */
    boolean signed(NodeCertificate cert) {
        return cert.issuerCertificate().map(c -> Arrays.equals(c.encoded(), issuer.certificate().encoded())).orElse(false);
    }

    /** Renews a certificate this member's issuer signed, its own among them. */
    NodeCertificate renew(NodeCertificate current) throws IOException {
        try {
            return issuer.renew(current, lifetime);
        } catch (IdentityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
