package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.cli.ResultJson;
import io.rsground.geo.GeoTiffs;
import io.rsground.infer.Grounder;
import io.rsground.infer.ModelLoader;
import io.rsground.infer.SceneGrounder;
import io.rsground.testing.PresenceCheckpoints;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenes over 1.5x the training side, served by a model with a presence score: answered 202 with a job whose
 * result, once polled, is what {@link SceneGrounder} gives for the same file; small images are answered at once.
 */
class SceneJobTest {
    @TempDir
    static Path dir;
    private static Grounder grounder;
    private static GroundingServer server;
    private static URI base;
    private static Path scene;
    private static Path small;

    @BeforeAll
    static void start() throws Exception {
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 64, 3);
        grounder = new Grounder(ModelLoader.load(ModelLoader.Request.of(checkpoint)), 4);
        server = new GroundingServer(grounder, TestModel.settings(2, 4, 2L * 1024 * 1024, 1_000_000, 4));
        server.start();
        base = server.baseUri();
        scene = dir.resolve("scene.png");
        small = dir.resolve("small.png");
        ImageIO.write(GeoTiffs.pattern(320, 200), "png", scene.toFile());
        ImageIO.write(GeoTiffs.pattern(90, 60), "png", small.toFile());
    }

    @AfterAll
    static void stop() {
        server.close();
        grounder.close();
    }

    /** Polls the job until it has finished. */
    private static JsonNode await(JsonNode accepted) throws Exception {
        for (int i = 0; i < 600; i++) {
            Http.Reply poll = Http.get(base, accepted.get("status_url").asText().substring(1));
            assertThat(poll.status()).as(poll.text()).isEqualTo(200);
            JsonNode status = poll.json();
            assertThat(status.get("job").asText()).isEqualTo(accepted.get("job").asText());
            assertThat(status.get("windows_done").asInt()).isBetween(0, status.get("windows").asInt());
            if (status.get("status").asText().equals("done") || status.get("status").asText().equals("failed")) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not finish within a minute");
    }

    @Test
    void aSceneIsAJobWhoseResultIsWhatTheSceneGrounderGives() throws Exception {
        Http.Reply reply = new Http.Form().image(scene).queries("the red car", "a ship").field("top_k", "3")
                .post(base);
        assertThat(reply.status()).as(reply.text()).isEqualTo(202);
        JsonNode accepted = reply.json();
        SceneGrounder.Options options = SceneGrounder.Options.parse("auto", 0.25, 3, 0);
        SceneGrounder scenes = new SceneGrounder(grounder);
        assertThat(accepted.get("windows").asInt()).isEqualTo(scenes.windows(320, 200, options).size())
                .isGreaterThan(4);
        assertThat(reply.headers().get("location")).isEqualTo(accepted.get("status_url").asText())
                .startsWith(GroundingServer.JOBS_PATH + "/");

        JsonNode done = await(accepted);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("done");
        JsonNode result = done.get("result");
        assertThat(result.get("width").asInt()).isEqualTo(320);
        assertThat(result.get("tiled").asBoolean()).isTrue();
        SceneGrounder.SceneResult direct = scenes.ground(scene, List.of("the red car", "a ship"), options,
                SceneGrounder.WindowListener.NONE);
        assertThat(result.get("windows").asInt()).isEqualTo(direct.windows().size());
        assertThat(result.get("results")).hasSize(2);
        for (int q = 0; q < 2; q++) {
            assertThat(result.get("results").get(q)).isEqualTo(ResultJson.toJson(direct.answers().get(q)));
            assertThat(result.get("results").get(q).get("boxes").size()).isBetween(1, 3);
        }
    }

    @Test
    void jsonRequestsSetTheWindowSideAndSmallImagesAreAnsweredAtOnce() throws Exception {
        String body = "{\"image_base64\": \"" + Base64.getEncoder().encodeToString(Files.readAllBytes(scene))
                + "\", \"query\": \"a ship\", \"tiles\": 160, \"overlap\": 0}";
        Http.Reply reply = Http.postJson(base, body);
        assertThat(reply.status()).as(reply.text()).isEqualTo(202);
        // 320 x 200 in windows of 160 px without overlap: two columns, and two rows (at y 0 and 40)
        assertThat(reply.json().get("windows").asInt()).isEqualTo(4);
        JsonNode done = await(reply.json());
        assertThat(done.get("result").get("windows").asInt()).isEqualTo(4);

        Http.Reply whole = new Http.Form().image(small).queries("a ship").post(base);
        assertThat(whole.status()).as(whole.text()).isEqualTo(200);
        assertThat(whole.json().get("tiled").asBoolean()).isFalse();
        assertThat(whole.json().get("results").get(0).get("score").isNumber()).isTrue();

        Http.Reply off = new Http.Form().image(scene).queries("a ship").field("tiles", "off").post(base);
        assertThat(off.status()).as(off.text()).isEqualTo(200);
        assertThat(off.json().get("width").asInt()).isEqualTo(320);
    }

    @Test
    void badOptionsAre422AndUnknownJobs404() throws Exception {
        Http.Reply tiny = new Http.Form().image(scene).queries("a ship").field("tiles", "7").post(base);
        assertThat(tiny.status()).isEqualTo(422);
        assertThat(tiny.error()).contains("tiles").contains("32");
        Http.Reply notNumber = new Http.Form().image(scene).queries("a ship").field("overlap", "lots").post(base);
        assertThat(notNumber.status()).isEqualTo(422);
        assertThat(notNumber.error()).contains("overlap");
        Http.Reply range = new Http.Form().image(scene).queries("a ship").field("top_k", "0").post(base);
        assertThat(range.status()).isEqualTo(422);
        assertThat(range.error()).contains("top_k");
        Http.Reply unknown = Http.get(base, GroundingServer.JOBS_PATH.substring(1) + "/no-such-job");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).contains("no-such-job");
        // the server answers well after the refusals
        assertThat(new Http.Form().image(small).queries("a ship").post(base).status()).isEqualTo(200);
    }
}
