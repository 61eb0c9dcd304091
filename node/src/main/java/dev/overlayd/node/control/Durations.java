package dev.overlayd.node.control;

/** Ages as operators say them: "42s", "3m", "1h12m", "2d3h". */
public final class Durations {
    private Durations() {}

    /** The two largest units, the smaller one omitted when zero; seconds only below a minute. */
    public static String coarse(long seconds) {
        if (seconds < 60) {
            return Math.max(seconds, 0) + "s";
        }
        if (seconds < 3600) {
            return join(seconds / 60, "m", 0, "");
        }
        if (seconds < 86_400) {
            return join(seconds / 3600, "h", seconds % 3600 / 60, "m");
        }
        return join(seconds / 86_400, "d", seconds % 86_400 / 3600, "h");
    }

    /** Like {@link #coarse} but keeps the seconds of the last few minutes, which an operator watches tick. */
    public static String fine(long seconds) {
        if (seconds >= 60 && seconds < 600) {
            return join(seconds / 60, "m", seconds % 60, "s");
        }
        return coarse(seconds);
    }

    private static String join(long big, String bigUnit, long small, String smallUnit) {
        return small == 0 ? big + bigUnit : big + bigUnit + small + smallUnit;
    }
}
