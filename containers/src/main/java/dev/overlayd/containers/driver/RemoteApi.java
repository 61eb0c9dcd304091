package dev.overlayd.containers.driver;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies of Docker's legacy remote network driver protocol (libnetwork's
 * drivers/remote/api), as far as this driver reads or writes them. Requests carry more fields than
 * these; the unknown ones are ignored.
 */
final class RemoteApi {
    static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";

    private RemoteApi() {}

    record Activate(@JsonProperty("Implements") List<String> implementsApis) {}

    record Capabilities(@JsonProperty("Scope") String scope, @JsonProperty("ConnectivityScope") String connectivityScope) {}

    record IpamData(@JsonProperty("AddressSpace") String addressSpace, @JsonProperty("Pool") String pool,
                    @JsonProperty("Gateway") String gateway) {}

    record CreateNetwork(@JsonProperty("NetworkID") String networkId,
                         @JsonProperty("IPv4Data") List<IpamData> ipv4Data,
                         @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {}

    /** DeleteNetwork, AllocateNetwork, FreeNetwork. */
    record NetworkCall(@JsonProperty("NetworkID") String networkId) {}

    record EndpointInterface(@JsonProperty("Address") String address, @JsonProperty("AddressIPv6") String addressIpv6,
                             @JsonProperty("MacAddress") String macAddress) {}

    record CreateEndpoint(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId,
                          @JsonProperty("Interface") EndpointInterface endpointInterface) {}

    /** DeleteEndpoint, EndpointOperInfo, Leave, ProgramExternalConnectivity, RevokeExternalConnectivity. */
    record EndpointCall(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId) {}

    record Join(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId,
                @JsonProperty("SandboxKey") String sandboxKey) {}

    record InterfaceName(@JsonProperty("SrcName") String srcName, @JsonProperty("DstPrefix") String dstPrefix) {}

    /** RouteType 0 is libnetwork's NEXTHOP: the route goes through NextHop. */
    record StaticRoute(@JsonProperty("Destination") String destination, @JsonProperty("RouteType") int routeType,
                       @JsonProperty("NextHop") String nextHop) {}

    record JoinReply(@JsonProperty("InterfaceName") InterfaceName interfaceName,
                     @JsonProperty("StaticRoutes") List<StaticRoute> staticRoutes,
                     @JsonProperty("DisableGatewayService") boolean disableGatewayService) {}

    record OperInfo(@JsonProperty("Value") Map<String, Object> value) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Error(@JsonProperty("Err") String err) {}
}
