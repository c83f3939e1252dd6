package io.rsground.cli;

import io.rsground.cli.serve.GroundingServer;
import io.rsground.cli.serve.ServerSettings;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.ModelInfo;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rsground serve}: the HTTP grounding service and its web page. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over HTTP: POST /api/v1/ground (multipart or JSON), GET /api/v1/model, "
                + "GET /healthz, and a web page at / to try it in a browser. Runs until stopped (Ctrl+C).",
            "Plain HTTP without TLS, and without authentication unless --token (or RSGROUND_TOKEN) is given: keep "
                + "the default loopback --host, or put a TLS reverse proxy in front (docs/serve.md)."},
        footer = {"  ./rsground serve --weights runs/a/best_checkpoint --port 8080",
            "  export RSGROUND_TOKEN=...   # then, to listen on every interface:",
            "  ./rsground serve --weights model.onnx --engine onnx --host 0.0.0.0"})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    EngineOptions engine;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "address to listen on; 0.0.0.0 for every interface")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "TCP port, 0 for any free one ")
    int port;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads that decode images and run the "
            + "model (default: the number of cores)")
    Integer threads;

    @Option(names = "--queue", paramLabel = "N", description = "requests that may wait for a worker; more get 503 "
            + "(default: 2 x threads)")
    Integer queue;

    @Option(names = "--max-upload-mb", defaultValue = "25", paramLabel = "MB",
            description = "largest image upload in MiB")
    int maxUploadMb;

    @Option(names = "--max-pixels", defaultValue = "50000000", paramLabel = "N",
            description = "largest image, width x height, checked from its header")
    long maxPixels;

    @Option(names = "--max-queries", defaultValue = "32", paramLabel = "N",
            description = "most queries in one request")
    int maxQueries;

    @Option(names = "--token", defaultValue = "${env:RSGROUND_TOKEN}", paramLabel = "TOKEN",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "bearer token every /api/ request must carry (header 'Authorization: Bearer TOKEN'); "
                    + "at least 16 characters; prefer the RSGROUND_TOKEN environment variable, which other users "
                    + "cannot read from the process list (default: none, no authentication)")
    String token;

    @Option(names = "--read-timeout", defaultValue = "" + ServerSettings.DEFAULT_READ_TIMEOUT_SECONDS,
            paramLabel = "SECONDS", description = "longest time a request body may take to arrive; bodies must also "
                    + "arrive at 4 KiB/s on average, and a connection silent for 10 s is closed")
    int readTimeoutSeconds;

    @Option(names = "--cache-images", defaultValue = "" + Grounder.DEFAULT_CACHE_SIZE, paramLabel = "N",
            description = "images whose features are kept for repeated questions, 0 for none; "
                    + "the djl engine only")
    int cacheImages;

    @Override
    @SuppressWarnings("try") // the shutdown hook closes the server the try block also closes
    public Integer call() throws Exception {
        quietServerLogs();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (maxUploadMb < 1 || maxUploadMb > 1024) {
            throw new Errors.BadInputException("--max-upload-mb must be 1..1024, got " + maxUploadMb);
        }
        if (cacheImages < 0) {
            throw new Errors.BadInputException("--cache-images must be at least 0, got " + cacheImages);
        }
        if (readTimeoutSeconds < 1) {
            throw new Errors.BadInputException("--read-timeout must be at least 1 second, got " + readTimeoutSeconds);
        }
        ServerSettings settings;
        try {
            settings = new ServerSettings(host, port, workers, queue != null ? queue : 2 * workers,
                    maxUploadMb * 1024L * 1024L, maxPixels, maxQueries)
                    .withToken(token == null || token.isEmpty() ? null : token)
                    .withTimeouts(readTimeoutSeconds * 1000L, ServerSettings.DEFAULT_IDLE_TIMEOUT_MILLIS,
                            ServerSettings.DEFAULT_MIN_BYTES_PER_SECOND);
        } catch (IllegalArgumentException e) {
            throw new Errors.BadInputException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        engine.check(model);
        long loadStart = System.nanoTime();
        CountDownLatch stopped = new CountDownLatch(1);
        try (GroundingEngine grounder = engine.open(model, cacheImages);
                GroundingServer server = new GroundingServer(grounder, settings)) {
            long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
            warmUp(grounder);
            server.start();
            Thread hook = new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "rsground-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            ModelInfo info = grounder.info();
            out.printf(Locale.ROOT, "rsground serve: %s (%s, %s parameters, engine %s %s, loaded in %d ms)%n",
                    info.source(), info.architecture(), info.parameters() < 0 ? "?" : String.format(Locale.ROOT,
                            "%,d", info.parameters()), info.engine(), info.precision(), loadMillis);
            out.printf(Locale.ROOT, "listening on %s%s  (%d workers, queue %d, uploads up to %d MiB, %d queries per "
                    + "request, %s); Ctrl+C stops%n", server.listenUri(), server.listenUri().equals(server.baseUri())
                    ? "" : " (every interface; from this machine " + server.baseUri() + ")", settings.threads(),
                    settings.queueCapacity(), maxUploadMb, maxQueries, settings.token() == null ? "no token"
                    : "token required on /api/");
            out.flush();
            exposureWarning(settings).ifPresent(w -> {
                spec.commandLine().getErr().println(w);
                spec.commandLine().getErr().flush();
            });
            stopped.await();
        }
        return Errors.OK;
    }

    /** @return a warning when the server can be reached from other machines, saying what it lacks */
    static Optional<String> exposureWarning(ServerSettings settings) {
        if (settings.loopbackOnly()) {
            return Optional.empty();
        }
        String tls = "traffic is plain HTTP without TLS: put a TLS reverse proxy in front (docs/serve.md)";
        if (settings.token() == null) {
            return Optional.of("WARNING: --host " + settings.host() + " is reachable beyond this machine "
                    + "and there is no authentication: anyone who reaches the port can use the model. Set "
                    + "RSGROUND_TOKEN (or --token) to require a bearer token; " + tls + ".");
        }
        return Optional.of("WARNING: --host " + settings.host() + " is reachable beyond this machine; "
                + tls + ", or the token can be read on the way.");
    }

    /** Runs the model once so that the first user does not wait for the engine's first-call set-up. */
    private static void warmUp(GroundingEngine grounder) {
        BufferedImage blank = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
        grounder.ground(blank, List.of("warm up", "a second query"));
    }

    /** Jetty and Javalin tell a lot at start-up; keep their warnings, and say what matters ourselves. */
    private static void quietServerLogs() {
        for (String logger : List.of("org.eclipse.jetty", "io.javalin")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }
}
