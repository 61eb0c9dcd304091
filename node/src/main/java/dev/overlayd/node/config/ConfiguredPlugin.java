package dev.overlayd.node.config;

import dev.overlayd.node.plugin.Plugin;

/** A plugin made from its section of overlay.yaml, not started yet; {@code section} names it in logs. */
public record ConfiguredPlugin(String section, Plugin plugin) {}
