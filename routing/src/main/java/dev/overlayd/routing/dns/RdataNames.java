package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsRecordEncoder;

/** Domain names inside record data (SRV targets, SOA names), written by Netty's own name encoder, uncompressed. */
final class RdataNames extends DefaultDnsRecordEncoder {
    private static final RdataNames INSTANCE = new RdataNames();

    private RdataNames() {}

    static void write(String name, ByteBuf out) {
        try {
            INSTANCE.encodeName(name, out);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a domain name: " + name, e);
        }
    }
}
