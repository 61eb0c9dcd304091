package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RequestPathTest {
    @Test
    void pathsThatMeanAnotherPathOnceNormalizedAreRefused() {
        for (String path : new String[] {"/public/../internal", "/public/%2e%2e/internal", "/public/.%2E/internal",
                "/public/./x", "/public/..", "/public%2f..%2finternal", "/public/%2F", "/public\\..\\internal",
                "/a%5cb", "/a%00b", "/.."}) {
            assertNotNull(RequestPath.refusal(path), path);
        }
    }

    @Test
    void ordinaryPathsPass() {
        for (String path : new String[] {"/", "/v1/users", "/a/.well-known/x", "/file.tar.gz", "/a..b/c...", "/%41%42",
                "/search%20term", "*"}) {
            assertNull(RequestPath.refusal(path), path);
        }
    }
}
