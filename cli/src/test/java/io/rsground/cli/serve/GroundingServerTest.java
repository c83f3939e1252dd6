package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.testing.Fixtures;
import io.rsground.weights.HostTensor;
import io.rsground.weights.Version;
import io.rsground.weights.WeightFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API over a real socket on an ephemeral port, with the fixture model: every status code it documents. */
class GroundingServerTest {
    private static final long MAX_UPLOAD = 2L * 1024 * 1024;
    private static final int MAX_QUERIES = 4;
    private static GroundingServer server;
    private static URI base;

    @BeforeAll
    static void start() {
        server = new GroundingServer(TestModel.grounder(), TestModel.settings(2, 4, MAX_UPLOAD, 5_000_000,
                MAX_QUERIES));
        server.start();
        base = server.baseUri();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The grounder's own answer, the truth the API must repeat. */
    private static List<GroundingResult> direct(Path image, String... queries) throws IOException {
        return TestModel.grounder().ground(Images.read(image), List.of(queries));
    }

    private static void assertSameBoxes(JsonNode answer, List<GroundingResult> expected) {
        assertThat(answer.get("results")).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode r = answer.get("results").get(i);
            assertThat(r.get("query").asText()).isEqualTo(expected.get(i).query());
            double[] xyxy = expected.get(i).boxXyxy();
            double[] norm = expected.get(i).cxcywhNorm();
            for (int k = 0; k < 4; k++) {
                assertThat(r.get("box_xyxy").get(k).asDouble()).isCloseTo(xyxy[k], within(1e-6));
                assertThat(r.get("box_cxcywh_norm").get(k).asDouble()).isCloseTo(norm[k], within(1e-9));
            }
        }
    }

    @Test
    void multipartAnswersWhatTheGrounderGives() throws Exception {
        Path image = TestModel.image("sample_1.png");
        Http.Reply reply = new Http.Form().image(image).queries("the white stadium", "a ship").post(base);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.headers().get("content-type")).startsWith("application/json");
        JsonNode answer = reply.json();
        assertThat(answer.get("width").asInt()).isEqualTo(640);
        assertThat(answer.get("height").asInt()).isEqualTo(480);
        assertThat(answer.get("elapsed_ms").asDouble()).isPositive();
        assertSameBoxes(answer, direct(image, "the white stadium", "a ship"));
        // boxes lie inside the image, corners ordered
        for (JsonNode r : answer.get("results")) {
            List<Double> b = Http.doubles(r.get("box_xyxy"));
            assertThat(b.get(0)).isBetween(0.0, b.get(2));
            assertThat(b.get(1)).isBetween(0.0, b.get(3));
            assertThat(b.get(2)).isLessThanOrEqualTo(640.0);
            assertThat(b.get(3)).isLessThanOrEqualTo(480.0);
        }
    }

    @Test
    void jsonWithBase64AnswersLikeMultipart() throws Exception {
        Path image = TestModel.image("sample_5.jpg");
        Http.Reply reply = Http.postJson(base, Http.base64Request(image, "the gray vehicle", "a tank"));
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertSameBoxes(reply.json(), direct(image, "the gray vehicle", "a tank"));

        // one "query" and a data URL are accepted too
        String dataUrl = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(image));
        Http.Reply single = Http.postJson(base, "{\"image_base64\": \"" + dataUrl + "\", \"query\": \"a tank\"}");
        assertThat(single.status()).as(single.text()).isEqualTo(200);
        assertSameBoxes(single.json(), direct(image, "a tank"));
    }

    @Test
    void modelAndHealthDescribeTheServer() throws Exception {
        Http.Reply model = Http.get(base, "api/v1/model");
        assertThat(model.status()).isEqualTo(200);
        JsonNode info = model.json();
        // the parameter count equals the scalars of the reference state_dict less the tensors that CLIP-VG's
        // forward pass never reads (visu_proj, CLIP's own output projection, ln_post and logit scale)
        Map<String, HostTensor> tensors = WeightFiles.read(Fixtures.tiny("weights.safetensors"));
        List<String> unused = List.of("visu_proj.", "clip.visual.proj", "clip.visual.ln_post.", "clip.logit_scale");
        long scalars = tensors.entrySet().stream().filter(e -> unused.stream().noneMatch(e.getKey()::startsWith))
                .mapToLong(e -> Arrays.stream(e.getValue().shape()).reduce(1, (a, b) -> a * b)).sum();
        assertThat(info.get("parameters").asLong()).isEqualTo(scalars);
        assertThat(info.get("config").get("vision").get("image_size").asInt()).isEqualTo(224);
        // file names only: the server's folders stay on the server
        assertThat(info.get("architecture").asText()).isEqualTo("model.json");
        assertThat(info.get("tokenizer").get("kind").asText()).isEqualTo("clip-bpe");
        assertThat(info.get("tokenizer").get("vocab_size").asInt()).isEqualTo(49408);
        assertThat(info.get("weights").asText()).isEqualTo("checkpoint.pth");
        assertThat(info.get("version").asText()).isEqualTo(Version.get());
        assertThat(info.get("limits").get("max_queries").asInt()).isEqualTo(MAX_QUERIES);

        Http.Reply health = Http.get(base, "healthz");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        assertThat(health.json().get("capacity").asInt()).isEqualTo(6);
    }

    @Test
    void webPageIsServedWithoutExternalResources() throws Exception {
        Http.Reply page = Http.get(base, "");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().get("content-type")).startsWith("text/html");
        assertThat(page.headers().get("content-security-policy")).contains("default-src 'none'");
        String html = page.text();
        assertThat(html).contains("<form", "type=\"file\"", "<textarea", "api/v1/ground");
        // offline: nothing is loaded from another origin
        assertThat(html).doesNotContainPattern("(src|href)=\"(https?:)?//");
        assertThat(html).doesNotContain("@import", "url(http");
    }

    @Test
    void unreadableImagesAndMissingPartsAre400() throws Exception {
        byte[] png = Files.readAllBytes(TestModel.image("sample_4.png"));
        Http.Reply truncated = new Http.Form().file("image", "cut.png", Arrays.copyOf(png, png.length / 3))
                .queries("a ship").post(base);
        assertThat(truncated.status()).isEqualTo(400);
        assertThat(truncated.error()).contains("cut.png");

        byte[] noise = new byte[5000];
        new Random(1).nextBytes(noise);
        Http.Reply random = new Http.Form().file("image", "noise.bin", noise).queries("a ship").post(base);
        assertThat(random.status()).isEqualTo(400);
        assertThat(random.error()).contains("noise.bin").contains("not an image");

        Http.Reply noImage = new Http.Form().queries("a ship").post(base);
        assertThat(noImage.status()).isEqualTo(400);
        assertThat(noImage.error()).contains("missing part 'image'");

        Http.Reply noQuery = new Http.Form().image(TestModel.image("sample_4.png")).post(base);
        assertThat(noQuery.status()).isEqualTo(400);
        assertThat(noQuery.error()).contains("missing part 'query'");

        Http.Reply badJson = Http.postJson(base, "{\"image_base64\": ");
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.error()).contains("not valid JSON");

        Http.Reply badBase64 = Http.postJson(base, "{\"image_base64\": \"***\", \"queries\": [\"a\"]}");
        assertThat(badBase64.status()).isEqualTo(400);
        assertThat(badBase64.error()).contains("base64");

        Http.Reply noField = Http.postJson(base, "{\"queries\": [\"a\"]}");
        assertThat(noField.status()).isEqualTo(400);
        assertThat(noField.error()).contains("image_base64");

        Http.Reply wrongType = Http.postJson(base, "{\"image_base64\": \"AAAA\", \"queries\": \"a ship\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.error()).contains("'queries' must be a list");

        Http.Reply brokenForm = Http.send(java.net.http.HttpRequest.newBuilder(base.resolve(
                GroundingServer.GROUND_PATH)).header("Content-Type", "multipart/form-data; boundary=xyz")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("--xyz\r\nno headers here")).build());
        assertThat(brokenForm.status()).isEqualTo(400);
        assertThat(brokenForm.error()).isNotBlank();
    }

    @Test
    void badQueriesAre422() throws Exception {
        Path image = TestModel.image("sample_4.png");
        Http.Reply empty = new Http.Form().image(image).queries("a ship", "   ").post(base);
        assertThat(empty.status()).isEqualTo(422);
        assertThat(empty.error()).isEqualTo("query 2 is empty");

        Http.Reply tooMany = new Http.Form().image(image).queries("a", "b", "c", "d", "e").post(base);
        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(tooMany.error()).contains("5 queries").contains("at most 4");

        Http.Reply tooLong = new Http.Form().image(image).queries("x".repeat(ServerSettings.MAX_QUERY_CHARS + 1))
                .post(base);
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.error()).contains("characters");

        Http.Reply emptyList = Http.postJson(base, Http.base64Request(image));
        assertThat(emptyList.status()).isEqualTo(422);
        assertThat(emptyList.error()).isEqualTo("no query given");
    }

    @Test
    void tooLargeIsRefusedFromTheHeaderBeforeTheBodyIsRead() throws Exception {
        // only the head is sent: the answer must come without the announced 100 MB
        String head = "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000000\r\n\r\n";
        Http.Reply declared = Http.raw(base, head, null);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.error()).contains("100,000,000 bytes").contains("--max-upload-mb");

        String jsonHead = "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
        assertThat(Http.raw(base, jsonHead, null).status()).isEqualTo(413);
    }

    @Test
    void tooLargeChunkedBodiesAreStoppedWhileStreaming() throws Exception {
        byte[] big = new byte[(int) MAX_UPLOAD + 200_000];
        new Random(2).nextBytes(big);
        Http.Form form = new Http.Form().file("image", "big.png", big).queries("a ship");
        String head = "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                + form.contentType() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        Http.Reply multipart = Http.raw(base, head, Http.chunked(form.bytes(), 32 * 1024));
        assertThat(multipart.status()).as(multipart.text()).isEqualTo(413);
        assertThat(multipart.error()).contains("exceeds the limit of 2.06 MiB");

        byte[] json = ("{\"image_base64\": \"" + "A".repeat((int) (MAX_UPLOAD * 2)) + "\", \"queries\": [\"a\"]}")
                .getBytes(StandardCharsets.US_ASCII);
        String jsonHead = "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        Http.Reply streamed = Http.raw(base, jsonHead, Http.chunked(json, 32 * 1024));
        assertThat(streamed.status()).as(streamed.text()).isEqualTo(413);
        assertThat(streamed.error()).contains("exceeds the limit");
    }

    @Test
    void imagesOverThePixelLimitAre413FromTheirHeader() throws Exception {
        // a few hundred bytes declaring 40,000 x 40,000 pixels: refused before decoding
        byte[] bomb = pngDeclaring(40_000, 40_000);
        assertThat(bomb.length).isLessThan(2000);
        Http.Reply reply = new Http.Form().file("image", "bomb.png", bomb).queries("a ship").post(base);
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.error()).contains("bomb.png").contains("40000 x 40000").contains("--max-pixels");
    }

    @Test
    void otherMediaTypesAre415() throws Exception {
        Http.Reply reply = Http.send(java.net.http.HttpRequest.newBuilder(base.resolve(GroundingServer.GROUND_PATH))
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("hi"))
                .build());
        assertThat(reply.status()).isEqualTo(415);
        assertThat(reply.error()).contains("multipart/form-data").contains("application/json");
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        Http.Reply missing = Http.get(base, "api/v2/ground");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).contains("/api/v2/ground");

        Http.Reply getGround = Http.get(base, "api/v1/ground");
        assertThat(getGround.status()).isEqualTo(405);
        assertThat(getGround.error()).contains("GET");

        Http.Reply deleteHealth = Http.method(base, "DELETE", "healthz");
        assertThat(deleteHealth.status()).isEqualTo(405);
        assertThat(deleteHealth.headers().get("content-type")).startsWith("application/json");
    }

    @Test
    void aFullQueueAnswers503AtOnceAndTheServerRecovers() throws Exception {
        // one worker, no waiting room: the test holds the only place
        try (Grounder grounder = TestModel.fresh(0);
                GroundingServer small = new GroundingServer(grounder, TestModel.settings(1, 0, MAX_UPLOAD,
                        5_000_000, 4))) {
            small.start();
            URI smallBase = small.baseUri();
            try (WorkQueue.Ticket held = small.queue().tryEnter()) {
                assertThat(held).isNotNull();
                Http.Reply busy = new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a tank")
                        .post(smallBase);
                assertThat(busy.status()).isEqualTo(503);
                assertThat(busy.headers().get("retry-after")).isEqualTo("1");
                assertThat(busy.error()).contains("busy");
            }
            Http.Reply after = new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a tank")
                    .post(smallBase);
            assertThat(after.status()).isEqualTo(200);
            assertThat(small.queue().rejected()).isEqualTo(1);
        }
    }

    @Test
    void aClientThatVanishesMidBodyHoldsNoPlace() throws Exception {
        try (Grounder grounder = TestModel.fresh(0);
                GroundingServer small = new GroundingServer(grounder, TestModel.settings(1, 0, MAX_UPLOAD,
                        5_000_000, 4))) {
            small.start();
            byte[] body = Http.base64Request(TestModel.image("sample_5.jpg"), "a tank")
                    .getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 3; i++) {
                try (Socket gone = new Socket()) {
                    gone.connect(new InetSocketAddress("127.0.0.1", small.port()));
                    gone.getOutputStream().write(("POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    gone.getOutputStream().write(body, 0, 100);
                    gone.getOutputStream().flush();
                    // while its body is arriving, the request holds no place in the queue
                    Http.Reply ok = Http.postJson(small.baseUri(), new String(body, StandardCharsets.US_ASCII));
                    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
                }
            }
            assertThat(small.queue().rejected()).isZero();
            assertThat(Http.get(small.baseUri(), "healthz").json().get("in_progress").asInt()).isZero();
        }
    }

    @Test
    void formLimitsAnswerInTheApiShape() throws Exception {
        Path image = TestModel.image("sample_4.png");
        String[] many = new String[1001];
        Arrays.fill(many, "a ship");
        Http.Reply tooManyParts = new Http.Form().image(image).queries(many).post(base);
        assertThat(tooManyParts.status()).as(tooManyParts.text()).isEqualTo(422);
        assertThat(tooManyParts.error()).contains("at most " + MAX_QUERIES + " 'query' parts", "--max-queries");

        Http.Reply longQuery = new Http.Form().image(image).queries("x".repeat(300_000)).post(base);
        assertThat(longQuery.status()).as(longQuery.text()).isEqualTo(422);
        assertThat(longQuery.error()).contains("query 1 has 300000 characters");
    }

    @Test
    void requestsJettyRefusesAreAnsweredInJsonToo() throws Exception {
        Http.Reply longUri = Http.raw(base, "GET /api/v1/model?" + "q".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n"
                + "\r\n", null);
        assertThat(longUri.status()).isEqualTo(414);
        assertThat(longUri.headers().get("content-type")).startsWith("application/json");
        assertThat(longUri.error()).contains("414");

        Http.Reply garbage = Http.raw(base, "NOT HTTP AT ALL\r\n\r\n", null);
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.headers().get("content-type")).startsWith("application/json");
        assertThat(garbage.error()).contains("400");

        Http.Reply hugeHeader = Http.raw(base, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(40_000)
                + "\r\n\r\n", null);
        assertThat(hugeHeader.status()).isEqualTo(431);
        assertThat(hugeHeader.headers().get("content-type")).startsWith("application/json");
        assertThat(hugeHeader.error()).contains("431");
    }

    @Test
    void theServerKeepsAnsweringAfterBadRequests() throws Exception {
        for (int i = 0; i < 3; i++) {
            new Http.Form().file("image", "x.png", new byte[] {1, 2, 3}).queries("a").post(base);
            Http.postJson(base, "[1, 2");
            new Http.Form().image(TestModel.image("sample_4.png")).queries("").post(base);
        }
        Path image = TestModel.image("sample_4.png");
        Http.Reply good = new Http.Form().image(image).queries("the ship").post(base);
        assertThat(good.status()).isEqualTo(200);
        assertSameBoxes(good.json(), direct(image, "the ship"));
    }

    /** A small valid PNG whose header claims the given size (CRC fixed up), as a decompression bomb would. */
    static byte[] pngDeclaring(int width, int height) throws IOException {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "png", encoded);
        byte[] png = encoded.toByteArray();
        // signature (8) | IHDR length (4) | "IHDR" (4) | width (4) | height (4) | 5 bytes | CRC (4)
        ByteBuffer.wrap(png, 16, 8).putInt(width).putInt(height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png, 29, 4).putInt((int) crc.getValue());
        return png;
    }
}
