package dev.overlayd.membership.identity;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Subjects and issuers: the name is the CN, a node's groups are OUs. */
final class X500Names {
    private X500Names() {}

    /** OU=group... then CN=name, most general first as X.500 orders names. */
    static X500Name of(String name, List<String> groups) {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        for (String group : groups) {
            builder.addRDN(BCStyle.OU, group);
        }
        return builder.addRDN(BCStyle.CN, name).build();
    }

    static String commonName(X500Name x500, String what) throws IdentityException {
        List<String> values = values(x500, BCStyle.CN);
        if (values.size() != 1) {
            throw new IdentityException(values.size() + " names (CN) in the " + what + ", not one");
        }
        return values.getFirst();
    }

    static List<String> organizationalUnits(X500Name x500) {
        return values(x500, BCStyle.OU);
    }

    private static List<String> values(X500Name x500, ASN1ObjectIdentifier type) {
        List<String> values = new ArrayList<>();
        for (RDN rdn : x500.getRDNs(type)) {
            values.add(((ASN1String) rdn.getFirst().getValue()).getString());
        }
        return List.copyOf(values);
    }
}
