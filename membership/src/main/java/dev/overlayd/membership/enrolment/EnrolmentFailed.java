package dev.overlayd.membership.enrolment;

/**
 * An enrolment that cannot succeed by trying again: the token was refused, the issuer is of another
 * cluster than the token names, or the issuer said why it issues no certificate.
 */
public final class EnrolmentFailed extends Exception {
    private static final long serialVersionUID = 1L;

    public EnrolmentFailed(String message) {
        super(message);
    }
}
