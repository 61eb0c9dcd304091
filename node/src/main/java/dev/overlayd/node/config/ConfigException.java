package dev.overlayd.node.config;

/**
 * A configuration file that cannot be used, with where and why. {@link #getMessage()} is one line,
 * {@code FILE:LINE: problem} (or {@code FILE: problem} when the problem is not on one line, such as a
 * missing key; {@link #line()} is then 0 and the problem names the section). The message never holds
 * a key's value: the parser only ever passes problems that leave secrets out.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String problem;

    public ConfigException(String file, int line, String problem) {
        super(format(file, line, problem));
        if (line < 0) {
            throw new IllegalArgumentException("line numbers start at 1 (0 for none), not " + line);
        }
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    /** The file's name as given to the parser. */
    public String file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it is not one line. */
    public int line() {
        return line;
    }

    /** The problem alone, without file and line. */
    public String problem() {
        return problem;
    }

    private static String format(String file, int line, String problem) {
        return oneLine(file) + (line > 0 ? ":" + line : "") + ": " + oneLine(problem);
    }

    /** Keeps the message on one line whatever a file name or an echoed value holds. */
    private static String oneLine(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            int type = Character.getType(c);
            boolean breaks = Character.isISOControl(c) || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR;
            out.appendCodePoint(breaks ? '?' : c);
        });
        return out.toString();
    }
}
