package dev.overlayd.routing.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether some files changed since last asked: their modification time, size and inode, through
 * symbolic links. A stat per file is cheap enough to ask every few seconds, and unlike a
 * WatchService it sees what certificate tools do (a rename over the file, a symbolic link pointed
 * at a new directory as Kubernetes' secrets and certbot's live/ do) with no thread of its own.
 */
final class FileChanges {
    private final List<Path> files;
    private List<List<Object>> stamps;

    FileChanges(List<Path> files) {
        this.files = List.copyOf(files);
        this.stamps = stamps();
    }

    /** Whether a file differs from when this was last called (or created). */
    boolean changed() {
        List<List<Object>> now = stamps();
        if (now.equals(stamps)) {
            return false;
        }
        stamps = now;
        return true;
    }

    private List<List<Object>> stamps() {
        List<List<Object>> result = new ArrayList<>();
        for (Path file : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                result.add(List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                result.add(List.of("unreadable"));
            }
        }
        return result;
    }
}
