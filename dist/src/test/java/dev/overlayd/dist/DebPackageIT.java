package dev.overlayd.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .deb the build made, as dpkg sees it, unpacked into a clean tree and run from there. */
class DebPackageIT {
    private static final String VERSION = System.getProperty("overlayd.version");
    private static Path deb;

    @TempDir
    static Path tree;

    record Result(int status, String out, String err) {}

    private static Result run(Path dir, String... command) throws Exception {
        Path out = Files.createTempFile("dist-out", ".txt");
        Path err = Files.createTempFile("dist-err", ".txt");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new AssertionError(command[0] + " cannot run (install it: .ci/run lists the packages): " + e.getMessage(), e);
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    private static String ok(Path dir, String... command) throws Exception {
        Result r = run(dir, command);
        assertEquals(0, r.status(), String.join(" ", command) + ":\n" + r.out() + r.err());
        return r.out();
    }

    @BeforeAll
    static void unpack() throws Exception {
        String name = "overlayd_" + VERSION.replace('-', '~') + "_amd64.deb";
        deb = Path.of("target", name).toAbsolutePath();
        assertTrue(Files.isRegularFile(deb), "the build made " + deb);
        ok(tree, "dpkg-deb", "-x", deb.toString(), tree.toString());
    }

    @Test
    void theControlFileNamesWhatItNeeds() throws Exception {
        String info = ok(tree, "dpkg-deb", "-I", deb.toString());
        assertTrue(info.contains(" Package: overlayd\n"), info);
        assertTrue(info.contains(" Version: " + VERSION.replace('-', '~') + "\n"), info);
        assertTrue(info.contains(" Architecture: amd64\n"), info);
        assertTrue(info.contains(" Depends: libc6 (>= 2.17), iproute2\n"), info);
        assertTrue(info.contains(" Recommends: libssl3 | libssl3t64, wireguard-tools, nftables\n"), info);
    }

    @Test
    void everyFileIsRootsWithItsMode() throws Exception {
        List<String> lines = ok(tree, "dpkg-deb", "-c", deb.toString()).lines().toList();
        for (String line : lines) {
            assertTrue(line.split("\\s+")[1].equals("root/root"), line);
        }
        assertMode(lines, "./usr/lib/overlayd/bin/overlayd", "-rwxr-xr-x");
        assertMode(lines, "./usr/lib/overlayd/bin/overlayctl", "-rwxr-xr-x");
        assertMode(lines, "./usr/lib/overlayd/bin/overlayd-ready", "-rwxr-xr-x");
        assertMode(lines, "./usr/lib/overlayd/bin/.runtime", "-rw-r--r--");
        assertMode(lines, "./usr/lib/overlayd/runtime/bin/java", "-rwxr-xr-x");
        assertMode(lines, "./usr/lib/overlayd/runtime/lib/jspawnhelper", "-rwxr-xr-x");
        assertMode(lines, "./usr/lib/overlayd/lib/overlayd.jar", "-rw-r--r--");
        assertMode(lines, "./lib/systemd/system/overlayd@.service", "-rw-r--r--");
        assertMode(lines, "./lib/systemd/system/overlayd-cluster@.service", "-rw-r--r--");
        assertMode(lines, "./etc/overlayd/overlay.yaml.example", "-rw-r--r--");
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("./usr/bin/overlayd -> ../lib/overlayd/bin/overlayd")), "/usr/bin/overlayd");
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("./usr/bin/overlayctl -> ../lib/overlayd/bin/overlayctl")), "/usr/bin/overlayctl");
        assertEquals(List.of(), lines.stream().filter(l -> l.contains("classes_nocoops.jsa")).toList());
    }

    private static void assertMode(List<String> lines, String path, String mode) {
        String line = lines.stream().filter(l -> l.endsWith(" " + path)).findFirst()
                .orElseThrow(() -> new AssertionError(path + " is not in the package"));
        assertEquals(mode, line.split("\\s+")[0], line);
    }

    @Test
    void theBinariesRunFromTheUnpackedTree() throws Exception {
        assertEquals("overlayctl " + VERSION + "\n", ok(tree, tree.resolve("usr/bin/overlayctl").toString(), "--version"));
        assertEquals("overlayd " + VERSION + "\n", ok(tree, tree.resolve("usr/bin/overlayd").toString(), "--version"));
        String help = ok(tree, tree.resolve("usr/bin/overlayd").toString(), "--help");
        assertTrue(help.startsWith("Usage: overlayd "), help);
        assertTrue(ok(tree, tree.resolve("usr/bin/overlayctl").toString(), "--help").contains("members"));
    }

    /** What the build's class-data training does (a CA, certificates, overlay.yaml, the handshakes), on the bundled runtime. */
    @Test
    void theBundledRuntimeRunsWhatANodeDoesOnStart() throws Exception {
        Path lib = tree.resolve("usr/lib/overlayd");
        ok(tree, lib.resolve("runtime/bin/java").toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", lib.resolve("lib/overlayd.jar").toString(),
                "dev.overlayd.cli.Training");
    }

    @Test
    void theRuntimeHasEveryModuleJdepsFindsButTheTwoLeftOutOnPurpose() throws Exception {
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        Set<String> needed = new TreeSet<>(Arrays.asList(ok(tree, jdeps.toString(), "--print-module-deps",
                "--ignore-missing-deps", "--multi-release", "25", System.getProperty("overlayd.jar")).strip().split(",")));
        needed.removeAll(Set.of("java.desktop", "java.compiler"));
        Set<String> linked = new TreeSet<>();
        for (String line : ok(tree, tree.resolve("usr/lib/overlayd/runtime/bin/java").toString(), "--list-modules").lines().toList()) {
            linked.add(line.replaceFirst("@.*", ""));
        }
        needed.removeAll(linked);
        assertEquals(Set.of(), needed, "modules jdeps finds that the runtime lacks (dist/pom.xml runtime.modules)");
    }

    /**
     * systemd-analyze verify on the units, in a root made of the unpacked package, the host's
     * targets and /bin/kill (what ExecReload runs): any complaint fails, as does a missing systemd.
     */
    @Test
    void systemdAcceptsTheUnits(@TempDir Path root) throws Exception {
        ok(root, "cp", "-a", tree + "/.", root.toString());
        Path units = root.resolve("lib/systemd/system");
        try (Stream<Path> host = Files.list(Path.of("/lib/systemd/system"))) {
            for (Path target : host.filter(p -> p.toString().endsWith(".target")).toList()) {
                Files.copy(target, units.resolve(target.getFileName()));
            }
        }
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/kill"), root.resolve("bin/kill"));
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root));
        command.add("lib/systemd/system/overlayd@wg0.service");
        command.add("lib/systemd/system/overlayd-cluster@overlay0.service");
        Result r = run(root, command.toArray(String[]::new));
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals("", r.err(), "systemd-analyze's complaints");
    }
}
