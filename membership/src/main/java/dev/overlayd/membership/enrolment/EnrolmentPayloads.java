package dev.overlayd.membership.enrolment;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.VerifyingKey;

/**
 * What the encrypted payloads of enrolment's third and fourth messages hold. A first enrolment asks
 * with a name and the node's record-signing key (its public half: the private key never leaves the
 * node); a renewal with the certificate it holds. The issuer answers with a certificate, or, once
 * the asker is proven, with why it issued none.
 */
final class EnrolmentPayloads {
    private static final byte CERTIFICATE = 0;
    private static final byte ERROR = 1;

    private EnrolmentPayloads() {}

    record Ask(String name, VerifyingKey signingKey) {}

    static byte[] ask(String name, VerifyingKey signingKey) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 255) {
            throw new IllegalArgumentException("a name of " + n.length + " bytes");
        }
        byte[] p = new byte[1 + n.length + VerifyingKey.LENGTH];
        p[0] = (byte) n.length;
        System.arraycopy(n, 0, p, 1, n.length);
        System.arraycopy(signingKey.bytes(), 0, p, 1 + n.length, VerifyingKey.LENGTH);
        return p;
    }

    static Ask readAsk(byte[] p) throws IdentityException {
        if (p.length < 1 || p.length != 1 + (p[0] & 0xff) + VerifyingKey.LENGTH) {
            throw new IdentityException("a request of " + p.length + " bytes that is not a name and a signing key");
        }
        int n = p[0] & 0xff;
        return new Ask(new String(p, 1, n, StandardCharsets.UTF_8),
                new VerifyingKey(Arrays.copyOfRange(p, 1 + n, p.length)));
    }

    static byte[] certificate(NodeCertificate cert) {
        byte[] der = cert.encoded();
        byte[] p = new byte[1 + der.length];
        p[0] = CERTIFICATE;
        System.arraycopy(der, 0, p, 1, der.length);
        return p;
    }

    static byte[] error(String why) {
        byte[] text = why.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[1 + Math.min(text.length, 512)];
        p[0] = ERROR;
        System.arraycopy(text, 0, p, 1, p.length - 1);
        return p;
    }

    /** The certificate of an answer; the issuer's reason, as an {@link EnrolmentFailed}, when it issued none. */
    static NodeCertificate readAnswer(byte[] p) throws IdentityException, EnrolmentFailed {
        if (p.length < 1 || (p[0] != CERTIFICATE && p[0] != ERROR)) {
            throw new IdentityException("an answer of " + p.length + " bytes that is neither a certificate nor an error");
        }
        if (p[0] == ERROR) {
            // The issuer's words, shown to an operator: only printable characters.
            throw new EnrolmentFailed("the issuer issued no certificate: "
                    + new String(p, 1, p.length - 1, StandardCharsets.UTF_8).replaceAll("[^\\p{Print}]", "?"));
        }
        return NodeCertificate.decode(Arrays.copyOfRange(p, 1, p.length));
    }
}
