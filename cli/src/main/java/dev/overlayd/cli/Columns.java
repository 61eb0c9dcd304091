package dev.overlayd.cli;

import java.util.List;

/** Text tables for people: each column as wide as its widest cell. */
final class Columns {
    private Columns() {}

    static int[] widths(List<String[]> rows) {
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        return widths;
    }
}
