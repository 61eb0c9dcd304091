package dev.overlayd.membership.identity;

import java.io.IOException;
import java.math.BigInteger;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;

/**
 * overlayd's own X.509 extensions, for what no standard extension carries:
 *
 * <pre>
 * Member ::= SEQUENCE {                     -- on a node certificate
 *     kind      ENUMERATED { node(0), staticHost(1) },
 *     subnet    [0] Prefix OPTIONAL,        -- the host's container subnet
 *     endpoint  [1] UTF8String OPTIONAL,    -- "host:port", a static host's
 *     signing   [2] OCTET STRING (SIZE (32)) OPTIONAL }  -- a node's Ed25519 record-signing key
 * Cluster ::= SEQUENCE {                    -- on the CA certificate
 *     overlay   Prefix }                    -- the range every node address lies in
 * Issuer ::= SEQUENCE {                     -- on an issuer (intermediate CA) certificate
 *     range     Prefix }                    -- where the addresses and subnets it signs lie
 * Prefix ::= SEQUENCE { address OCTET STRING (SIZE (4 | 16)), length INTEGER }
 * </pre>
 *
 * All are non-critical so that openssl and other standard tools still parse and verify the certificates.
 */
final class OverlaydExtensions {
    /**
     * overlayd's OID arc: the UUID 155596cd-bc96-4f7c-bfa1-e14dc52e3509, drawn once at random, as an
     * OID under 2.25 (ITU-T X.667), which needs no registration. Never change it: every issued
     * certificate carries it.
     */
    static final ASN1ObjectIdentifier ARC = new ASN1ObjectIdentifier("2.25.28358191806037452941669884013126235401");
    static final ASN1ObjectIdentifier MEMBER = ARC.branch("1");
    static final ASN1ObjectIdentifier CLUSTER = ARC.branch("2");
    static final ASN1ObjectIdentifier ISSUER = ARC.branch("3");

    /** The contents of a node certificate's {@code Member} extension; subnet, endpoint and signing key may be null. */
    record Member(NodeCertificate.Kind kind, IpPrefix subnet, String endpoint, VerifyingKey signingKey) {}

    private OverlaydExtensions() {}

    static Extension member(Member member) {
        ASN1EncodableVector fields = new ASN1EncodableVector();
        fields.add(new ASN1Enumerated(member.kind().ordinal()));
        if (member.subnet() != null) {
            fields.add(new DERTaggedObject(false, 0, prefix(member.subnet())));
        }
        if (member.endpoint() != null) {
            fields.add(new DERTaggedObject(true, 1, new DERUTF8String(member.endpoint())));
        }
        if (member.signingKey() != null) {
            fields.add(new DERTaggedObject(false, 2, new DEROctetString(member.signingKey().bytes())));
        }
        return extension(MEMBER, new DERSequence(fields));
    }

    static Extension cluster(IpPrefix overlay) {
        return extension(CLUSTER, new DERSequence(prefix(overlay)));
    }

    static Extension issuer(IpPrefix range) {
        return extension(ISSUER, new DERSequence(prefix(range)));
    }

    /** The {@code Member} extension of {@code extensions}; throws with a message for a missing or malformed one. */
    static Member member(Extensions extensions) throws IdentityException {
        ASN1Sequence fields = sequence(extensions, MEMBER, "member");
        try {
            NodeCertificate.Kind[] kinds = NodeCertificate.Kind.values();
            int kind = ASN1Enumerated.getInstance(fields.getObjectAt(0)).intValueExact();
            if (kind < 0 || kind >= kinds.length) {
                throw new IdentityException("unknown member kind " + kind + " in the overlayd extension");
            }
            IpPrefix subnet = null;
            String endpoint = null;
            VerifyingKey signingKey = null;
            for (int i = 1; i < fields.size(); i++) {
                ASN1TaggedObject field = ASN1TaggedObject.getInstance(fields.getObjectAt(i));
                switch (field.getTagNo()) {
                    case 0 -> subnet = prefix(ASN1Sequence.getInstance(field, false));
                    case 1 -> endpoint = DERUTF8String.getInstance(field, true).getString();
                    case 2 -> signingKey = new VerifyingKey(ASN1OctetString.getInstance(field, false).getOctets());
                    default -> throw new IdentityException("unknown field [" + field.getTagNo() + "] in the overlayd extension");
                }
            }
            return new Member(kinds[kind], subnet, endpoint, signingKey);
        } catch (RuntimeException e) {
            // BC and IpPrefix say "malformed" in many ways (ClassCast, IllegalArgument, index, arithmetic).
            throw new IdentityException("malformed overlayd member extension");
        }
    }

    /** The overlay range of the CA certificate's {@code Cluster} extension. */
    static IpPrefix overlay(Extensions extensions) throws IdentityException {
        return onlyPrefix(extensions, CLUSTER, "cluster");
    }

    /** The allocation range of an issuer certificate's {@code Issuer} extension. */
    static IpPrefix range(Extensions extensions) throws IdentityException {
        return onlyPrefix(extensions, ISSUER, "issuer");
    }

    private static IpPrefix onlyPrefix(Extensions extensions, ASN1ObjectIdentifier oid, String what)
            throws IdentityException {
        ASN1Sequence fields = sequence(extensions, oid, what);
        try {
            return prefix(ASN1Sequence.getInstance(fields.getObjectAt(0)));
        } catch (RuntimeException e) {
            throw new IdentityException("malformed overlayd " + what + " extension");
        }
    }

    private static ASN1Sequence sequence(Extensions extensions, ASN1ObjectIdentifier oid, String what)
            throws IdentityException {
        Extension extension = extensions == null ? null : extensions.getExtension(oid);
        if (extension == null) {
            throw new IdentityException("no overlayd " + what + " extension (" + oid + ")");
        }
        try {
            return ASN1Sequence.getInstance(extension.getParsedValue());
        } catch (RuntimeException e) {
            throw new IdentityException("malformed overlayd " + what + " extension");
        }
    }

    private static Extension extension(ASN1ObjectIdentifier oid, ASN1Encodable value) {
        try {
            return new Extension(oid, false, value.toASN1Primitive().getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
    }

    private static ASN1Sequence prefix(IpPrefix prefix) {
        return new DERSequence(new ASN1Encodable[] {new DEROctetString(prefix.address()), new ASN1Integer(prefix.bits())});
    }

    private static IpPrefix prefix(ASN1Sequence fields) {
        byte[] address = ASN1OctetString.getInstance(fields.getObjectAt(0)).getOctets();
        BigInteger bits = ASN1Integer.getInstance(fields.getObjectAt(1)).getValue();
        return new IpPrefix(address, bits.intValueExact());
    }
}
