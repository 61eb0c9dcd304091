package dev.overlayd.containers.driver;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The JSON bodies of Docker's authorization plugin protocol (pkg/authorization), as far as
 * overlayd reads or writes them. A request also carries the user, the headers and the body
 * (base64), and an AuthZRes the response; none of that is needed to tell a start from the rest.
 */
final class AuthZApi {
    static final String REQUEST = "/AuthZPlugin.AuthZReq";
    static final String RESPONSE = "/AuthZPlugin.AuthZRes";

    private AuthZApi() {}

    record Request(@JsonProperty("RequestMethod") String requestMethod, @JsonProperty("RequestUri") String requestUri) {}

    /** Allow with Msg and Err empty: Docker takes a non-empty Err as the plugin failing. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Response(@JsonProperty("Allow") boolean allow, @JsonProperty("Msg") String msg, @JsonProperty("Err") String err) {
        static final Response ALLOW = new Response(true, "", "");
    }
}
