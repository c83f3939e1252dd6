package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.infer.Grounder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients that send slowly, stall, or send bodies the server refuses, on real sockets on loopback: they must not
 * take the places of well-behaved clients, must be cut off within bounded time, and must read their answer
 * instead of a broken pipe.
 */
class SlowClientTest {
    private static final long MAX_UPLOAD = 256L * 1024;
    /** Short timeouts keep the test short: a body within 3 s, silence of 1 s at most, 1 KiB/s at least. */
    private static final long READ_MILLIS = 3_000;
    private static final long IDLE_MILLIS = 1_000;
    private static final long MIN_RATE = 1024;

    private static GroundingServer server(Grounder grounder, int threads, int queue) {
        GroundingServer server = new GroundingServer(grounder, TestModel.settings(threads, queue, MAX_UPLOAD,
                5_000_000, 4).withTimeouts(READ_MILLIS, IDLE_MILLIS, MIN_RATE));
        server.start();
        return server;
    }

    private static Http.Form goodForm() throws IOException {
        return new Http.Form().image(TestModel.image("sample_5.jpg")).queries("a tank");
    }

    private static String head(Http.Form form, long length) {
        return "POST " + GroundingServer.GROUND_PATH + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                + form.contentType() + "\r\nContent-Length: " + length + "\r\n\r\n";
    }

    private static Socket open(GroundingServer server) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    @Test
    void stalledAndTricklingClientsHoldNoPlaceAndAreCutOff() throws Exception {
        try (Grounder grounder = TestModel.fresh(0); GroundingServer server = server(grounder, 1, 0)) {
            Http.Form form = goodForm();
            byte[] body = form.bytes();
            List<Socket> stalled = new ArrayList<>();
            List<Socket> trickling = new ArrayList<>();
            ExecutorService tricklers = Executors.newFixedThreadPool(3);
            try {
                for (int i = 0; i < 3; i++) {
                    Socket s = open(server);
                    s.getOutputStream().write(head(form, body.length).getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(body, 0, body.length / 2);
                    s.getOutputStream().flush();
                    stalled.add(s);
                    Socket t = open(server);
                    t.getOutputStream().write(head(form, body.length).getBytes(StandardCharsets.ISO_8859_1));
                    trickling.add(t);
                    tricklers.submit(() -> trickle(t.getOutputStream(), body));
                }
                // the only place of the queue stays free for the well-behaved client
                for (int i = 0; i < 5; i++) {
                    Http.Reply reply = goodForm().post(server.baseUri());
                    assertThat(reply.status()).as("good request %d beside slow clients: %s", i, reply.text())
                            .isEqualTo(200);
                }
                assertThat(server.queue().rejected()).isZero();
                // each slow client is answered 408 once it is too slow or silent, not served forever
                for (Socket s : stalled) {
                    Http.Reply cut = Http.readResponse(s.getInputStream());
                    assertThat(cut.status()).isEqualTo(408);
                    assertThat(cut.error()).contains("stopped arriving");
                }
                for (Socket t : trickling) {
                    Http.Reply cut = Http.readResponse(t.getInputStream());
                    assertThat(cut.status()).isEqualTo(408);
                    assertThat(cut.error()).contains("too slowly");
                }
            } finally {
                tricklers.shutdownNow();
                for (Socket s : stalled) {
                    s.close();
                }
                for (Socket t : trickling) {
                    t.close();
                }
            }
        }
    }

    @Test
    void bodiesArrivingAtOnceAreBounded() throws Exception {
        // stalls outlast the probing below by far (the idle timeout, 5 s), and the model is warm before it starts,
        // so that every stalled body is still arriving when the probes come
        try (Grounder grounder = TestModel.fresh(0); GroundingServer server = new GroundingServer(grounder,
                TestModel.settings(1, 0, MAX_UPLOAD, 5_000_000, 4).withTimeouts(30_000, 5_000, 1))) {
            server.start();
            assertThat(goodForm().post(server.baseUri()).status()).isEqualTo(200);
            Http.Form form = goodForm();
            byte[] body = form.bytes();
            int bound = TestModel.settings(1, 0, MAX_UPLOAD, 5_000_000, 4).maxArriving();
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < bound; i++) {
                    Socket s = open(server);
                    s.getOutputStream().write(head(form, body.length).getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(body, 0, 100);
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                Http.Reply busy = null;
                for (int tries = 0; tries < 50; tries++) { // until all of them are being read
                    busy = goodForm().post(server.baseUri());
                    if (busy.status() == 503) {
                        break;
                    }
                }
                assertThat(busy.status()).as(busy.text()).isEqualTo(503);
                assertThat(busy.headers().get("retry-after")).isEqualTo("1");
                assertThat(busy.error()).contains(bound + " request bodies are arriving");
                for (Socket s : stalled) { // cut off after the idle timeout, which frees their places
                    assertThat(Http.readResponse(s.getInputStream()).status()).isEqualTo(408);
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
            assertThat(goodForm().post(server.baseUri()).status()).isEqualTo(200);
            assertThat(Http.get(server.baseUri(), "healthz").json().get("bodies_arriving").asInt()).isZero();
        }
    }

    /** A byte every 200 ms: 5 B/s, far under the minimum rate, yet never silent for the idle timeout. */
    private static Void trickle(OutputStream out, byte[] body) {
        try {
            for (byte b : body) {
                out.write(b);
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException e) {
            // cut off by the server, or the test is over
        }
        return null;
    }

    @Test
    void aBodyThatKeepsTheRateButNotTheDeadlineIsCutOff() throws Exception {
        try (Grounder grounder = TestModel.fresh(0); GroundingServer server = server(grounder, 1, 0);
                Socket socket = open(server)) {
            byte[] noise = new byte[200_000];
            new Random(3).nextBytes(noise);
            Http.Form form = new Http.Form().file("image", "slow.png", noise).queries("a ship");
            byte[] body = form.bytes();
            OutputStream out = socket.getOutputStream();
            out.write(head(form, body.length).getBytes(StandardCharsets.ISO_8859_1));
            try {
                // 4 KiB every 250 ms: 16 KiB/s, over the minimum rate; the whole body would take 12 s
                for (int off = 0; off < body.length; off += 4096) {
                    out.write(body, off, Math.min(4096, body.length - off));
                    out.flush();
                    Thread.sleep(250);
                }
            } catch (IOException e) {
                // the server answered and stopped reading
            }
            Http.Reply cut = Http.readResponse(socket.getInputStream());
            assertThat(cut.status()).isEqualTo(408);
            assertThat(cut.error()).contains("did not arrive in time", "--read-timeout");
        }
    }

    @Test
    void refusedUploadersReadTheirAnswerInsteadOfABrokenPipe() throws Exception {
        // 4 MiB uploads; the oversized bodies (9 MiB) are larger than what the sockets buffer on loopback, so a
        // server that answered and closed without reading them would leave their clients writing into a reset
        long maxUpload = 4L << 20;
        try (Grounder grounder = TestModel.fresh(0); GroundingServer server = new GroundingServer(grounder,
                TestModel.settings(1, 0, maxUpload, 5_000_000, 4).withTimeouts(60_000, 10_000, MIN_RATE))) {
            server.start();
            byte[] big = new byte[9 << 20];
            new Random(4).nextBytes(big);
            Http.Form tooLarge = new Http.Form().file("image", "big.png", big).queries("a ship");
            Http.Form good = goodForm();
            List<Integer> statuses = new ArrayList<>();
            // every place is taken: good uploads get 503, oversized ones 413, each after sending its whole body
            try (WorkQueue.Ticket held = server.queue().tryEnter()) {
                assertThat(held).isNotNull();
                ExecutorService clients = Executors.newFixedThreadPool(8);
                List<Future<Integer>> futures = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    Http.Form form = i % 2 == 0 ? tooLarge : good;
                    futures.add(clients.submit(() -> sendAllThenRead(server, form)));
                }
                for (Future<Integer> f : futures) {
                    statuses.add(f.get(2, TimeUnit.MINUTES));
                }
                clients.shutdown();
            }
            for (int i = 0; i < statuses.size(); i++) {
                assertThat(statuses.get(i)).as("client %d", i).isEqualTo(i % 2 == 0 ? 413 : 503);
            }
            assertThat(goodForm().post(server.baseUri()).status()).isEqualTo(200);
        }
    }

    /** @return the status read after sending head and body whole, as a simple client does; -1 on a broken pipe */
    private static int sendAllThenRead(GroundingServer server, Http.Form form) {
        byte[] body = form.bytes();
        try (Socket socket = open(server)) {
            OutputStream out = socket.getOutputStream();
            out.write(head(form, body.length).getBytes(StandardCharsets.ISO_8859_1));
            for (int off = 0; off < body.length; off += 16 * 1024) {
                out.write(body, off, Math.min(16 * 1024, body.length - off));
            }
            out.flush();
            Http.Reply reply = Http.readResponse(socket.getInputStream());
            assertThat(reply.json().get("error").asText()).isNotBlank();
            return reply.status();
        } catch (IOException e) {
            return -1;
        }
    }
}
