package dev.overlayd.cli;

/** Whether output may carry colour. */
final class Terminal {
    private Terminal() {}

    /** Only on a terminal, and never when NO_COLOR is set (no-color.org). */
    static boolean colour() {
        java.io.Console console = System.console();
        String noColor = System.getenv("NO_COLOR");
        return console != null && console.isTerminal() && (noColor == null || noColor.isEmpty());
    }
}
