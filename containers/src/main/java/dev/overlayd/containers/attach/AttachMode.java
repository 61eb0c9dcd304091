package dev.overlayd.containers.attach;

/** Which containers the agent attaches: every one that can be (unless opted out), or only those opted in. */
public enum AttachMode {
    ALL, LABELLED
}
