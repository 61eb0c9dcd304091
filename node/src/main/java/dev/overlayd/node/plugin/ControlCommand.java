package dev.overlayd.node.plugin;

import java.io.IOException;

/** A command a plugin serves on the control socket (see {@link PluginContext#addCommand}). */
public interface ControlCommand {
    /**
     * @param argument what followed the command's name on its line, stripped ("" when nothing)
     * @return the reply, written as JSON by Jackson (a record, a map, a list)
     * @throws IOException when the command fails; its message is the error overlayctl shows
     */
    Object run(String argument) throws IOException;
}
