package dev.overlayd.membership;

/**
 * The limits of a record ({@link Membership#publish}), checked the same way by every backend, on
 * publishing and on receiving: a key of 1 to {@link Membership#MAX_RECORD_KEY} printable ASCII
 * characters without spaces, a value of at most {@link Membership#MAX_RECORD_VALUE} bytes.
 */
public final class RecordLimits {
    private RecordLimits() {}

    /** What is wrong with the record, in words; null when nothing is (a null value withdraws, so it has no size). */
    public static String refusal(String key, byte[] value) {
        if (key == null || key.isEmpty() || key.length() > Membership.MAX_RECORD_KEY) {
            return "a record key has 1 to " + Membership.MAX_RECORD_KEY + " characters, not "
                    + (key == null ? 0 : key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c > '~') {
                return "a record key is printable ASCII without spaces: " + (c == ' ' ? "a space" : "character " + (int) c)
                        + " at " + i + " of '" + key.replaceAll("[^!-~]", "?") + "'";
            }
        }
        if (value != null && value.length > Membership.MAX_RECORD_VALUE) {
            return "a record value is at most " + Membership.MAX_RECORD_VALUE + " bytes, not " + value.length;
        }
        return null;
    }

    /** @throws IllegalArgumentException saying what is wrong */
    public static void check(String key, byte[] value) {
        String refusal = refusal(key, value);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }
}
