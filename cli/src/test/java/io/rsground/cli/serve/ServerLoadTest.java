package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.image.Images;
import io.rsground.infer.GroundingResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A bounded load test on loopback: 200 requests from 8 concurrent clients, one in ten of them bad in one of seven
 * ways, and again one in five bad beside 6 clients that stall or trickle their bodies. Every request must get its answer with the right status, every good answer must carry the grounder's
 * boxes, and the heap after garbage collection must not grow. Latency percentiles and memory are printed, never
 * asserted on time.
 */
class ServerLoadTest {
    private static final int REQUESTS = 200;
    private static final int CLIENTS = 8;
    private static final int SLOW_CLIENTS = 6;
    private static final long MAX_UPLOAD = 2L * 1024 * 1024;
    private static final List<String> IMAGES = List.of("sample_0.png", "sample_1.png", "sample_2.png",
            "sample_3.png", "sample_4.png", "sample_5.jpg");
    private static final List<List<String>> QUERIES = List.of(List.of("the white stadium"),
            List.of("the ship at the pier", "the largest storage tank"), List.of("a road", "a tank", "a car"));

    /** One request of the stream and what it must get. */
    private record Planned(int index, String kind, int expectedStatus, String image, List<String> queries) {
    }

    /** What came back. */
    private record Outcome(Planned planned, int status, long nanos, JsonNode body) {
    }

    /** @param badEvery one request in this many is bad */
    private static Planned plan(int i, int badEvery) {
        if (i % badEvery == 3 % badEvery) {
            String[] kinds = {"unreadable", "empty-query", "too-many", "unknown-path", "wrong-method", "bad-json",
                "too-large"};
            int[] codes = {400, 422, 422, 404, 405, 400, 413};
            int k = (i / badEvery) % kinds.length;
            return new Planned(i, kinds[k], codes[k], null, null);
        }
        return new Planned(i, "good", 200, IMAGES.get(i % IMAGES.size()), QUERIES.get(i % QUERIES.size()));
    }

    private static Outcome send(URI base, Planned p) throws Exception {
        long start = System.nanoTime();
        Http.Reply reply = switch (p.kind()) {
            case "good" -> new Http.Form().image(TestModel.image(p.image())).queries(p.queries().toArray(
                    String[]::new)).post(base);
            case "unreadable" -> new Http.Form().file("image", "junk.jpg", new byte[] {(byte) 0xff, (byte) 0xd8, 0, 1})
                    .queries("a ship").post(base);
            case "empty-query" -> new Http.Form().image(TestModel.image("sample_5.jpg")).queries("").post(base);
            case "too-many" -> new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a", "b", "c", "d", "e")
                    .post(base);
            case "unknown-path" -> Http.get(base, "api/v1/grounding");
            case "wrong-method" -> Http.send(HttpRequest.newBuilder(base.resolve(GroundingServer.GROUND_PATH))
                    .PUT(HttpRequest.BodyPublishers.ofString("x")).build());
            case "bad-json" -> Http.postJson(base, "{\"image_base64\": 12, \"queries\": [\"a\"]}");
            case "too-large" -> Http.raw(base, "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " + (MAX_UPLOAD * 3)
                    + "\r\n\r\n", null);
            default -> throw new IllegalStateException(p.kind());
        };
        long nanos = System.nanoTime() - start;
        return new Outcome(p, reply.status(), nanos, reply.status() == 200 || reply.body().length > 0
                ? reply.json() : null);
    }

    @Test
    void twoHundredRequestsFromEightClientsAllGetTheirAnswer() throws Exception {
        Load load = run(REQUESTS, 10, 0);
        assertThat(load.bad()).isEqualTo(20);
    }

    /**
     * The same stream, one request in five bad, beside {@value #SLOW_CLIENTS} clients that stall or trickle their
     * bodies over and over: no good request may be refused or lost. {@code -Drsground.load.requests=N} sets the
     * number of requests (3200 for the figures in docs/serve.md).
     */
    @Test
    void slowClientsBesideTheLoadCostNoRequest() throws Exception {
        int requests = Integer.getInteger("rsground.load.requests", REQUESTS);
        Load load = run(requests, 5, SLOW_CLIENTS);
        assertThat(load.bad()).isEqualTo((requests + 1) / 5);
        assertThat(load.slowCutOff()).as("slow clients answered 408").isPositive();
    }

    /** What a run measured: bad requests answered as planned, and slow clients cut off with a 408. */
    private record Load(int bad, int slowCutOff) {
    }

    private static Load run(int requests, int badEvery, int slowClients) throws Exception {
        var grounder = TestModel.grounder();
        // the truth for every good request, computed before the load
        List<List<List<GroundingResult>>> expected = new ArrayList<>();
        for (String image : IMAGES) {
            List<List<GroundingResult>> perQueries = new ArrayList<>();
            for (List<String> q : QUERIES) {
                perQueries.add(grounder.ground(Images.read(TestModel.image(image)), q));
            }
            expected.add(perQueries);
        }
        // short timeouts, so that slow clients are cut off and come back many times during the run
        ServerSettings settings = TestModel.settings(2, CLIENTS, MAX_UPLOAD, 5_000_000, 4).withTimeouts(3_000,
                1_000, 1024);
        try (GroundingServer server = new GroundingServer(grounder, settings)) {
            server.start();
            URI base = server.baseUri();
            for (int i = 0; i < 12; i++) { // warm-up: connections, allocator, every image once
                assertThat(send(base, plan(i % 3 == 0 ? 1 : i, badEvery)).status()).isIn(200, 413, 400, 422);
            }
            long[] before = memory();
            SlowClients slow = new SlowClients(server.port(), slowClients);

            AtomicInteger next = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<List<Outcome>>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                futures.add(clients.submit(() -> {
                    List<Outcome> mine = new ArrayList<>();
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        mine.add(send(base, plan(i, badEvery)));
                    }
                    return mine;
                }));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<List<Outcome>> f : futures) {
                outcomes.addAll(f.get(30, TimeUnit.MINUTES));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            clients.shutdown();
            int cutOff = slow.stop();
            long[] after = memory();

            // no lost responses: every request once, each with its status and, when good, the grounder's boxes
            assertThat(outcomes).hasSize(requests);
            assertThat(outcomes.stream().map(o -> o.planned().index()).distinct().count()).isEqualTo(requests);
            int bad = check(outcomes, expected);
            assertThat(server.queue().rejected()).isZero();
            assertThat(Http.get(base, "healthz").json().get("in_progress").asInt()).isZero();
            report(outcomes, seconds, slowClients, cutOff, before, after);
            // flat: 200 requests of up to 1.3 MB images decoded to 2 MB rasters would leave hundreds of MB
            assertThat(after[0] - before[0]).as("heap growth in bytes").isLessThan(64L << 20);
            return new Load(bad, cutOff);
        }
    }

    /** @return the number of bad requests, after checking every status and every good answer's boxes */
    private static int check(List<Outcome> outcomes, List<List<List<GroundingResult>>> expected) {
        int bad = 0;
        for (Outcome o : outcomes) {
            Planned p = o.planned();
            assertThat(o.status()).as("request %d (%s): %s", p.index(), p.kind(), o.body())
                    .isEqualTo(p.expectedStatus());
            if (p.expectedStatus() != 200) {
                bad++;
                assertThat(o.body().get("error").asText()).isNotBlank();
                continue;
            }
            List<GroundingResult> truth = expected.get(IMAGES.indexOf(p.image())).get(QUERIES.indexOf(
                    p.queries()));
            JsonNode results = o.body().get("results");
            assertThat(results).hasSize(truth.size());
            for (int i = 0; i < truth.size(); i++) {
                for (int k = 0; k < 4; k++) {
                    assertThat(results.get(i).get("box_xyxy").get(k).asDouble())
                            .isCloseTo(truth.get(i).boxXyxy()[k], within(1e-6));
                }
            }
        }
        return bad;
    }

    private static void report(List<Outcome> outcomes, double seconds, int slowClients, int cutOff, long[] before,
            long[] after) {
        double[] good = outcomes.stream().filter(o -> o.status() == 200).mapToDouble(o -> o.nanos() / 1e6)
                .sorted().toArray();
        double[] refused = outcomes.stream().filter(o -> o.status() != 200).mapToDouble(o -> o.nanos() / 1e6)
                .sorted().toArray();
        Map<Integer, Long> statuses = new TreeMap<>();
        outcomes.forEach(o -> statuses.merge(o.status(), 1L, Long::sum));
        System.out.printf(Locale.ROOT, "load test: %d requests (%d good, %d bad; statuses %s) from %d clients "
                + "beside %d slow clients (cut off with 408: %d) in %.1f s (%.1f requests/s), 2 workers%n",
                outcomes.size(), good.length, refused.length, statuses, CLIENTS, slowClients, cutOff, seconds,
                outcomes.size() / seconds);
        System.out.printf(Locale.ROOT, "  good requests latency: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f"
                + " ms%n", pct(good, 50), pct(good, 90), pct(good, 99), good[good.length - 1]);
        System.out.printf(Locale.ROOT, "  bad requests latency:  p50 %.0f ms, p90 %.0f ms, max %.0f ms%n",
                pct(refused, 50), pct(refused, 90), refused[refused.length - 1]);
        System.out.printf(Locale.ROOT, "  heap after GC: %.1f MB before, %.1f MB after (%+.1f MB); process RSS "
                + "%.0f MB before, %.0f MB after%n", before[0] / 1e6, after[0] / 1e6,
                (after[0] - before[0]) / 1e6, before[1] / 1e6, after[1] / 1e6);
    }

    private static double pct(double[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** @return heap used after a full collection, and the process's resident set size (0 when unknown) */
    private static long[] memory() throws IOException, InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = 0;
        Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        return new long[] {heap, rss};
    }

    /**
     * Clients that open a request, send half its body, then either stall or send a byte every 200 ms, and start
     * again once the server cuts them off.
     */
    private static final class SlowClients {
        private final ExecutorService pool;
        private final AtomicInteger cutOff = new AtomicInteger();
        private volatile boolean running = true;

        SlowClients(int port, int count) throws IOException {
            pool = Executors.newFixedThreadPool(Math.max(1, count));
            Http.Form form = new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a tank");
            byte[] body = form.bytes();
            byte[] head = ("POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    + form.contentType() + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            for (int c = 0; c < count; c++) {
                boolean stall = c % 2 == 0;
                pool.submit(() -> {
                    while (running) {
                        once(port, head, body, stall);
                    }
                    return null;
                });
            }
        }

        private void once(int port, byte[] head, byte[] body, boolean stall) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                out.write(head);
                out.write(body, 0, body.length / 2);
                out.flush();
                if (!stall) {
                    try {
                        for (int i = body.length / 2; i < body.length && running; i++) {
                            out.write(body[i]);
                            out.flush();
                            Thread.sleep(200);
                        }
                    } catch (IOException e) {
                        // cut off: the answer waits in the socket
                    }
                }
                if (Http.readResponse(socket.getInputStream()).status() == 408) {
                    cutOff.incrementAndGet();
                }
            } catch (IOException e) {
                // the connection was closed without an answer: counted as not cut off
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** @return how many times a slow client was answered 408 */
        int stop() throws InterruptedException {
            running = false;
            pool.shutdown();
            pool.awaitTermination(60, TimeUnit.SECONDS);
            return cutOff.get();
        }
    }
}
