package dev.overlayd.tun;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One network interface's configuration through iproute2's {@code ip}, in the current network
 * namespace or a named one. Addresses and prefixes must be numeric literals with a prefix length, so
 * nothing {@code ip} would read as a keyword (such as {@code default}) gets through, and routes need a
 * prefix length of at least 1: this class never touches the default route.
 */
public final class Link {
    private final List<String> ip;
    private final String name;

    private Link(List<String> ip, String name) {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > LinuxTun.MAX_NAME) {
            throw new IllegalArgumentException("invalid interface name: \"" + name + "\"");
        }
        this.ip = ip;
        this.name = name;
    }

    /** The interface {@code name} in this process's network namespace. */
    public static Link of(String name) {
        return new Link(List.of("ip"), name);
    }

    /** The interface {@code name} in the named network namespace (as {@code ip netns} knows it). */
    public static Link inNetns(String netns, String name) {
        return new Link(List.of("ip", "-n", netns), name);
    }

    public String name() {
        return name;
    }

    public void setMtu(int mtu) throws IOException {
        ip("link", "set", "dev", name, "mtu", Integer.toString(mtu));
    }

    public void setUp() throws IOException {
        ip("link", "set", "dev", name, "up");
    }

    /** Adds an IPv4 or IPv6 address with its prefix length, such as {@code 100.64.0.1/24}. */
    public void addAddress(String cidr) throws IOException {
        ip("address", "add", prefix(cidr, 0), "dev", name);
    }

    /** Routes {@code cidr} through this interface; a default route is refused. */
    public void addRoute(String cidr) throws IOException {
        ip("route", "add", prefix(cidr, 1), "dev", name);
    }

    public boolean exists() throws IOException {
        Result result = run("link", "show", "dev", name);
        if (result.status == 0) {
            return true;
        }
        if (result.stderr.contains("does not exist")) {
            return false;
        }
        throw result.failure();
    }

    public void delete() throws IOException {
        ip("link", "del", "dev", name);
    }

    /** The literal in canonical form, so {@code ip} sees exactly what was checked. */
    private static String prefix(String cidr, int minLength) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not address/prefix-length: " + cidr);
        }
        InetAddress address = InetAddress.ofLiteral(cidr.substring(0, slash));
        int maxLength = address instanceof Inet4Address ? 32 : 128;
        int length;
        try {
            length = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length: " + cidr, e);
        }
        if (length < minLength || length > maxLength) {
            throw new IllegalArgumentException("prefix length must be " + minLength + ".." + maxLength + ": " + cidr);
        }
        return address.getHostAddress() + "/" + length;
    }

    private void ip(String... args) throws IOException {
        Result result = run(args);
        if (result.status != 0) {
            throw result.failure();
        }
    }

    private Result run(String... args) throws IOException {
        List<String> command = new ArrayList<>(ip);
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            return new Result(command, process.waitFor(), stderr);
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for " + String.join(" ", command));
        }
    }

    private record Result(List<String> command, int status, String stderr) {
        IOException failure() {
            return new IOException(String.join(" ", command) + " failed (exit " + status + "): " + stderr);
        }
    }
}
