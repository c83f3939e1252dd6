package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A server started with a bearer token, on a real socket: the API needs it, the page and health check do not; and
 * the address a server says it listens on.
 */
class TokenTest {
    private static final String TOKEN = "s3cret-token-for-the-test";

    private static Http.Reply model(URI base, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(GroundingServer.MODEL_PATH.substring(1)))
                .timeout(Duration.ofSeconds(60)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return Http.send(request.build());
    }

    @Test
    void theApiNeedsTheTokenThePageDoesNot() throws Exception {
        try (GroundingServer server = new GroundingServer(TestModel.grounder(), TestModel.settings(1, 2,
                1024 * 1024, 5_000_000, 4).withToken(TOKEN))) {
            server.start();
            URI base = server.baseUri();
            for (String wrong : new String[] {null, "Bearer nope", "Bearer " + TOKEN + "x", "Basic " + TOKEN,
                "Bearer " + TOKEN.substring(1)}) {
                Http.Reply refused = model(base, wrong);
                assertThat(refused.status()).as("Authorization: %s", wrong).isEqualTo(401);
                assertThat(refused.headers().get("www-authenticate")).startsWith("Bearer");
                assertThat(refused.error()).contains("Authorization: Bearer", "RSGROUND_TOKEN");
            }
            assertThat(model(base, "Bearer " + TOKEN).status()).isEqualTo(200);
            assertThat(model(base, "bearer  " + TOKEN + " ").status()).isEqualTo(200);

            Http.Form form = new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a tank");
            HttpRequest.Builder post = HttpRequest.newBuilder(base.resolve(GroundingServer.GROUND_PATH.substring(1)))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", form.contentType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()));
            assertThat(Http.send(post.build()).status()).isEqualTo(401);
            Http.Reply grounded = Http.send(post.header("Authorization", "Bearer " + TOKEN).build());
            assertThat(grounded.status()).as(grounded.text()).isEqualTo(200);

            // the page asks for the token itself; the health check stays open to load balancers
            assertThat(Http.get(base, "").status()).isEqualTo(200);
            assertThat(Http.get(base, "healthz").status()).isEqualTo(200);
        }
    }

    @Test
    void theAddressListenedOnIsShownAsItIs() {
        assertThat(GroundingServer.uri("0.0.0.0", 8080)).hasToString("http://0.0.0.0:8080/");
        assertThat(GroundingServer.uri(GroundingServer.localHost("0.0.0.0"), 8080))
                .hasToString("http://127.0.0.1:8080/");
        assertThat(GroundingServer.uri("::", 80)).hasToString("http://[::]:80/");
        assertThat(GroundingServer.localHost("192.168.1.7")).isEqualTo("192.168.1.7");
    }

    @Test
    void shortTokensAreRefusedAndTheTokenIsNeverPrinted() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestModel.settings(1, 0, 1024, 1000, 1)
                .withToken("short")).hasMessageContaining("at least 16 characters");
        assertThat(TestModel.settings(1, 0, 1024, 1000, 1).withToken(TOKEN).toString()).doesNotContain(TOKEN);
    }
}
