package dev.overlayd.containers.driver;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.containers.driver.RemoteApi.Capabilities;
import dev.overlayd.containers.driver.RemoteApi.CreateEndpoint;
import dev.overlayd.containers.driver.RemoteApi.CreateNetwork;
import dev.overlayd.containers.driver.RemoteApi.EndpointCall;
import dev.overlayd.containers.driver.RemoteApi.Join;
import dev.overlayd.containers.driver.RemoteApi.NetworkCall;
import dev.overlayd.containers.driver.RemoteApi.OperInfo;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * The remote network driver protocol's calls by path: each request body read into its type, the call made
 * on the {@link NetworkDriver}, and the answer: a reply body, or {@code {"Err": ...}} with one log
 * line for anything malformed, unknown or failed. Nothing here touches HTTP itself.
 */
final class DriverCalls {
    private static final Logger LOG = System.getLogger(DriverCalls.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;
    static final int FAILED = 500;

    private final NetworkDriver driver;

    DriverCalls(NetworkDriver driver) {
        this.driver = driver;
    }

    PluginCalls.Answer answer(String path, byte[] body) {
        try {
            return new PluginCalls.Answer(PluginCalls.OK, JSON.writeValueAsBytes(call(path, body)));
        } catch (UnknownCall e) {
            return error(NOT_FOUND, path, e.getMessage());
        } catch (JacksonException e) {
            return error(BAD_REQUEST, path, "malformed JSON: " + e.getOriginalMessage());
        } catch (DriverException | IOException e) {
            return error(FAILED, path, e.getMessage());
        }
    }

    private Object call(String path, byte[] body) throws IOException, DriverException, UnknownCall {
        return switch (path) {
            case "/NetworkDriver.GetCapabilities" -> new Capabilities("local", "local");
            case "/NetworkDriver.CreateNetwork" -> {
                driver.createNetwork(read(body, CreateNetwork.class));
                yield Map.of();
            }
            case "/NetworkDriver.DeleteNetwork" -> {
                driver.deleteNetwork(read(body, NetworkCall.class).networkId());
                yield Map.of();
            }
            case "/NetworkDriver.CreateEndpoint" -> {
                // The address came from Docker's IPAM: the reply must not give one back.
                driver.createEndpoint(read(body, CreateEndpoint.class));
                yield Map.of();
            }
            case "/NetworkDriver.DeleteEndpoint" -> {
                EndpointCall call = read(body, EndpointCall.class);
                driver.deleteEndpoint(call.networkId(), call.endpointId());
                yield Map.of();
            }
            case "/NetworkDriver.EndpointOperInfo" -> {
                EndpointCall call = read(body, EndpointCall.class);
                driver.requireEndpoint(call.networkId(), call.endpointId());
                yield new OperInfo(Map.of());
            }
            case "/NetworkDriver.Join" -> {
                Join call = read(body, Join.class);
                yield driver.join(call.networkId(), call.endpointId());
            }
            case "/NetworkDriver.Leave" -> {
                EndpointCall call = read(body, EndpointCall.class);
                driver.leave(call.networkId(), call.endpointId());
                yield Map.of();
            }
            case "/NetworkDriver.ProgramExternalConnectivity", "/NetworkDriver.RevokeExternalConnectivity" -> {
                // The overlay has no ports to publish: the endpoint only has to be ours.
                EndpointCall call = read(body, EndpointCall.class);
                driver.requireEndpoint(call.networkId(), call.endpointId());
                yield Map.of();
            }
            // Discovery is swarm's node and datastore news; a local driver needs none of it.
            case "/NetworkDriver.DiscoverNew", "/NetworkDriver.DiscoverDelete" -> Map.of();
            // Swarm managers call these for global-scope drivers only; this one is local.
            case "/NetworkDriver.AllocateNetwork", "/NetworkDriver.FreeNetwork" -> {
                read(body, NetworkCall.class);
                yield Map.of();
            }
            default -> throw new UnknownCall(path);
        };
    }

    private static <T> T read(byte[] body, Class<T> type) throws IOException, DriverException {
        T value = JSON.readValue(body, type);
        if (value == null) {
            throw new DriverException("the request has no body");
        }
        return value;
    }

    private static PluginCalls.Answer error(int status, String path, String raw) {
        String message = LogText.message(raw);
        LOG.log(Level.WARNING, "network driver: {0} refused: {1}", LogText.printable(path), message);
        try {
            return new PluginCalls.Answer(status, JSON.writeValueAsBytes(new RemoteApi.Error(message)));
        } catch (JacksonException e) {
            throw new IllegalStateException("a string always serializes", e);
        }
    }


    private static final class UnknownCall extends Exception {
        UnknownCall(String path) {
            super("no such call: " + LogText.printable(path));
        }
    }
}
