package dev.overlayd.membership.enrolment;

import java.net.InetSocketAddress;
import java.util.Map;

/** What answers enrolment's messages on a member: an issuer ({@link EnrolmentResponder}) or a pointer to one ({@link EnrolmentRedirects}). */
public interface EnrolmentAnswers {
    /** The answer to a message from {@code from}, or null when it gets none (counted in {@link #counts}). */
    byte[] receive(byte[] message, InetSocketAddress from);

    /** What was answered and dropped, by what. */
    Map<String, Long> counts();
}
