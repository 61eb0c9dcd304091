package dev.overlayd.cli;

import java.io.PrintWriter;
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

    /** The rows indented by two spaces, each column as wide as its widest cell, the last one as it is. */
    static void print(PrintWriter out, List<String[]> rows) {
        print(out, "  ", rows);
    }

    /** The rows after {@code indent} (a table under a line of its own), each column as wide as its widest cell. */
    static void print(PrintWriter out, String indent, List<String[]> rows) {
        int[] width = widths(rows);
        int columns = width.length;
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
