package dev.overlayd.membership.enrolment;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What a member answers to a first message for another member (a newcomer's seed that does not
 * issue, or issues for another range): where that member is, so the newcomer can ask it there. It
 * keeps no state, and the pointer is shorter than the message it answers.
 */
public final class EnrolmentRedirects implements EnrolmentAnswers {
    private final Function<String, InetSocketAddress> endpoints;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /** @param endpoints a member's WireGuard endpoint by its name, null for one not known (or this node) */
    public EnrolmentRedirects(Function<String, InetSocketAddress> endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public byte[] receive(byte[] message, InetSocketAddress from) {
        EnrolmentMessage m = EnrolmentMessage.parse(message);
        if (m == null || m.step() != 1) {
            count(m == null ? "malformed" : "unexpected step");
            return null;
        }
        return redirect(m);
    }

    /** The pointer to the member {@code first} asks for; null (counted) when it is not known. */
    byte[] redirect(EnrolmentMessage first) {
        InetSocketAddress endpoint = endpoints.apply(first.answerer());
        if (endpoint == null) {
            count("unknown issuer");
            return null;
        }
        count("redirected");
        return EnrolmentMessage.redirect(first, endpoint);
    }

    @Override
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void count(String what) {
        counts.computeIfAbsent(what, w -> new AtomicLong()).incrementAndGet();
    }
}
