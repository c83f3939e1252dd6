package io.rsground.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rsground.cli.ResultJson;
import io.rsground.config.ModelConfigs;
import io.rsground.image.ImageTooLargeException;
import io.rsground.image.Images;
import io.rsground.image.ReadOptions;
import io.rsground.image.UnreadableImageException;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelInfo;
import io.rsground.infer.SceneGrounder;
import io.rsground.weights.Version;
import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grounding HTTP service: {@code POST /api/v1/ground}, {@code GET /api/v1/jobs/{id}}, {@code GET /api/v1/model},
 * {@code GET /healthz} and the web page at {@code GET /}. An image the scene options cut into windows (a model with a
 * presence score, an image over 1.5x its training side) is answered {@code 202} with a job to poll, since a large
 * scene can take minutes; other images are answered at once. Every error is {@code {"error": "..."}} with its
 * status: 400 unreadable image or missing part, 401 without the token (when the server has one), 408 a body too
 * slow or late, 413 too large, 415 neither JSON nor a multipart form, 422 bad queries, 404 / 405 unknown path or
 * method, 503 with {@code Retry-After} when the work queue is full, 500 only for faults of the server itself.
 * A request's body arrives whole before it takes a place in the queue.
 *
 * <p>The grounder stays owned by the caller; {@link #close()} stops the server and its workers only.
 */
public final class GroundingServer implements AutoCloseable {
    /** Path of the grounding endpoint. */
    public static final String GROUND_PATH = "/api/v1/ground";
    /** Path of the model description. */
    public static final String MODEL_PATH = "/api/v1/model";
    /** Path under which scene jobs are polled: {@code /api/v1/jobs/{id}}. */
    public static final String JOBS_PATH = "/api/v1/jobs";
    /** Path of the health check. */
    public static final String HEALTH_PATH = "/healthz";
    /** Paths under this prefix need the token, when the server has one; the page and health check do not. */
    static final String API_PREFIX = "/api/";
    /** Seconds a client is asked to wait after a 503. */
    static final int RETRY_AFTER_SECONDS = 1;

    private static final Logger LOG = LoggerFactory.getLogger(GroundingServer.class);
    private static final String PAGE_RESOURCE = "/io/rsground/cli/serve/index.html";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self' 'unsafe-inline'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final GroundingEngine grounder;
    private final SceneGrounder scenes;
    private final SceneJobs jobs = new SceneJobs();
    private final ServerSettings settings;
    private final ReadOptions readOptions;
    private final WorkQueue queue;
    /** Places for bodies being read: they bound the memory that uploads in flight hold. */
    private final Semaphore arriving;
    private final ObjectMapper requestMapper;
    private final byte[] modelInfo;
    private final byte[] page;
    private final BearerToken token;
    private Javalin app;

    /**
     * @param grounder the model to serve, on either engine; shared by all workers (it is thread-safe)
     * @param settings address and limits
     */
    public GroundingServer(GroundingEngine grounder, ServerSettings settings) {
        this.grounder = grounder;
        this.scenes = new SceneGrounder(grounder);
        this.settings = settings;
        this.readOptions = ReadOptions.DEFAULT.withMaxPixels(settings.maxPixels());
        this.queue = new WorkQueue(settings.threads(), settings.queueCapacity());
        this.arriving = new Semaphore(settings.maxArriving());
        this.requestMapper = GroundRequest.jsonMapper(settings.maxJsonBodyBytes());
        this.modelInfo = bytes(describeModel(grounder, settings));
        this.page = readPage();
        this.token = settings.token() == null ? null : new BearerToken(settings.token());
    }

    /**
     * Binds the address and starts answering.
     *
     * @return the bound port (useful with port 0)
     * @throws IllegalArgumentException when the address cannot be bound (port in use, unknown host)
     */
    public synchronized int start() {
        if (app != null) {
            throw new IllegalStateException("already started");
        }
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(settings.host());
                connector.setPort(settings.port());
                connector.setIdleTimeout(settings.idleTimeoutMillis());
                return connector;
            });
            // Jetty fails a read once the body has arrived slower than this on average since its first byte
            config.jetty.modifyHttpConfiguration(http -> http.setMinRequestDataRate(settings.minBytesPerSecond()));
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = settings.maxJsonBodyBytes();
            config.routes.before(this::admit);
            config.routes.get("/", this::page);
            config.routes.get(HEALTH_PATH, this::health);
            config.routes.get(MODEL_PATH, ctx -> json(ctx, 200, modelInfo));
            config.routes.post(GROUND_PATH, this::ground);
            config.routes.get(JOBS_PATH + "/{id}", this::job);
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: " + e);
            });
            config.routes.error(404, ctx -> fillError(ctx, "no such path: " + ctx.path()));
            config.routes.error(405, ctx -> fillError(ctx, "method " + ctx.method() + " is not allowed on "
                    + ctx.path()));
            config.routes.after(this::finish);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            app = null;
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException) {
                    throw new IllegalArgumentException("cannot listen on " + settings.host() + ":" + settings.port()
                            + ": " + t.getMessage() + " (choose another --port or --host)", e);
                }
            }
            throw e;
        }
        return app.port();
    }

    /** @return the bound port, after {@link #start()} */
    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("not started");
        }
        return app.port();
    }

    /** @return a URL that reaches the server from this machine, e.g. {@code http://127.0.0.1:8080/} */
    public URI baseUri() {
        return uri(localHost(settings.host()), port());
    }

    /** @return the address listened on, as bound: {@code http://0.0.0.0:8080/} for every interface */
    public URI listenUri() {
        return uri(settings.host(), port());
    }

    /** @return the host to connect to from this machine: loopback for a wildcard address, else the host */
    static String localHost(String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /** @return {@code http://host:port/}, an IPv6 host in brackets */
    static URI uri(String host, int port) {
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/");
    }

    /** @return the admission queue, for its counters */
    public WorkQueue queue() {
        return queue;
    }

    private void ground(Context ctx) throws IOException, InterruptedException {
        long start = System.nanoTime();
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        boolean isJson = type.startsWith("application/json");
        boolean isForm = type.startsWith("multipart/form-data");
        if (!isJson && !isForm) {
            throw new ApiException(415, "send multipart/form-data (an 'image' file part and 'query' parts) or "
                    + "application/json {\"image_base64\": ..., \"queries\": [...]}"
                    + (type.isEmpty() ? "" : "; got " + type));
        }
        long limit = isJson ? settings.maxJsonBodyBytes() : settings.maxMultipartBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) { // refused from the header; the body is dropped up to a bound after the answer
            throw new ApiException(413, String.format(Locale.ROOT, "request body of %,d bytes exceeds the limit of "
                    + "%s (--max-upload-mb)", declared, GroundRequest.mib(limit)));
        }
        // the whole body arrives before a place is taken, so a slow client holds none
        GroundRequest request = receive(ctx, isJson, limit);
        WorkQueue.Ticket ticket = queue.tryEnter();
        if (ticket == null) {
            ctx.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            throw new ApiException(503, "busy: " + queue.capacity() + " requests are in progress; retry in "
                    + RETRY_AFTER_SECONDS + " s");
        }
        try (ticket) {
            Dimension size = headerSize(request);
            if (tiles(size, request.options())) {
                startJob(ctx, ticket, request, size, start);
                return;
            }
            Answer answer;
            try {
                answer = ticket.run(() -> {
                    BufferedImage image = Images.read(request.image(), request.imageName(), readOptions);
                    return new Answer(image.getWidth(), image.getHeight(), grounder.ground(image,
                            request.queries()));
                });
            } catch (ExecutionException e) {
                throw translate(e.getCause());
            }
            json(ctx, 200, bytes(answer(answer.width(), answer.height(), 1, ResultJson.toJson(answer.results(),
                    request.options().minScore()), start)));
        }
    }

    /** @return the request, its body read whole within a place for arriving bodies, then parsed */
    private GroundRequest receive(Context ctx, boolean isJson, long limit) {
        if (!arriving.tryAcquire()) {
            RequestBodies.leaveUnread(ctx.req());
            ctx.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            throw new ApiException(503, "busy: " + settings.maxArriving() + " request bodies are arriving; retry in "
                    + RETRY_AFTER_SECONDS + " s");
        }
        byte[] body;
        try {
            body = RequestBodies.read(ctx.req(), limit);
        } finally {
            arriving.release();
        }
        return isJson ? GroundRequest.fromJson(body, settings, requestMapper)
                : GroundRequest.fromMultipart(body, ctx.contentType(), settings);
    }

    /** @return an answer: {@code {"width", "height", "tiled", "windows", "results", "elapsed_ms"}} */
    private static ObjectNode answer(int width, int height, int windows, ArrayNode results, long startNanos) {
        ObjectNode body = ResultJson.MAPPER.createObjectNode();
        body.put("width", width);
        body.put("height", height);
        body.put("tiled", windows > 1);
        body.put("windows", windows);
        body.set("results", results);
        body.put("elapsed_ms", Math.round((System.nanoTime() - startNanos) / 1e5) / 10.0);
        return body;
    }

    /** @return the image's size from its header (400 when unreadable, 413 over {@code --max-pixels}) */
    private Dimension headerSize(GroundRequest request) {
        Dimension size;
        try {
            size = Images.readSize(request.image(), request.imageName());
        } catch (UnreadableImageException e) {
            throw new ApiException(400, e.getMessage());
        }
        long pixels = (long) size.width * size.height;
        if (pixels > settings.maxPixels()) {
            throw new ApiException(413, String.format(Locale.ROOT, "%s is %d x %d = %,d pixels; the server's limit "
                    + "is %,d (--max-pixels)", request.imageName(), size.width, size.height, pixels,
                    settings.maxPixels()));
        }
        return size;
    }

    /** @return whether the request's options cut this image into windows (422 when they cannot be honoured) */
    private boolean tiles(Dimension size, SceneGrounder.Options options) {
        try {
            return scenes.tiles(size.width, size.height, options);
        } catch (IllegalArgumentException e) {
            throw new ApiException(422, e.getMessage());
        }
    }

    /** Answers 202 with a job that grounds the scene in windows on a worker; the ticket is released when it ends. */
    private void startJob(Context ctx, WorkQueue.Ticket ticket, GroundRequest request, Dimension size, long start)
            throws IOException {
        int windows = scenes.windows(size.width, size.height, request.options()).size();
        // windows are read from a file: the upload goes to disk, not decoded whole
        Path file = Files.createTempFile("rsground-scene-", ".upload");
        SceneJobs.Job job;
        try {
            Files.write(file, request.image());
            job = jobs.create(windows);
            ticket.detach(() -> runJob(job, file, request, start));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        ObjectNode status = job.toJson();
        ctx.header("Location", status.get("status_url").asText());
        json(ctx, 202, bytes(status));
    }

    private void runJob(SceneJobs.Job job, Path file, GroundRequest request, long start) {
        job.running();
        try {
            SceneGrounder.SceneResult result = scenes.ground(file, request.queries(), request.options(),
                    (done, total) -> job.windowDone(done));
            ArrayNode results = ResultJson.MAPPER.createArrayNode();
            result.answers().forEach(a -> results.add(ResultJson.toJson(a)));
            job.done(answer(result.width(), result.height(), result.windows().size(), results, start));
        } catch (IOException | RuntimeException e) {
            LOG.warn("scene job {} ({}) failed", job.id, request.imageName(), e);
            job.failed(request.imageName() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", file, e);
            }
        }
    }

    private void job(Context ctx) {
        SceneJobs.Job job = jobs.get(ctx.pathParam("id"));
        if (job == null) {
            throw new ApiException(404, "no job " + ctx.pathParam("id") + " (finished jobs are kept for "
                    + SceneJobs.KEEP_MINUTES + " minutes)");
        }
        ctx.header("Cache-Control", "no-store");
        json(ctx, 200, bytes(job.toJson()));
    }

    /** What a worker found. */
    private record Answer(int width, int height, List<GroundingResult> results) {
    }

    private static RuntimeException translate(Throwable cause) {
        if (cause instanceof ImageTooLargeException e) {
            return new ApiException(413, e.getMessage() + "; the server's limit is --max-pixels");
        }
        if (cause instanceof UnreadableImageException e) {
            return new ApiException(400, e.getMessage());
        }
        if (cause instanceof ApiException e) {
            return e;
        }
        if (cause instanceof RuntimeException e) {
            return e;
        }
        if (cause instanceof IOException e) {
            return new UncheckedIOException(e);
        }
        return new IllegalStateException(cause);
    }

    /** Starts the body's deadline and checks the bearer token of every API request. */
    private void admit(Context ctx) {
        ctx.req().setAttribute(RequestBodies.DEADLINE, System.nanoTime() + settings.readTimeoutMillis() * 1_000_000L);
        if (token != null && ctx.path().startsWith(API_PREFIX) && !token.matches(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"rsground\"");
            throw new ApiException(401, "this server needs its token: send the header 'Authorization: Bearer "
                    + "<token>' (the token given to serve with --token or RSGROUND_TOKEN)");
        }
    }

    /** After an error, drops what is left of the body (bounded) so that a client still sending reads the answer. */
    private void finish(Context ctx) {
        if (ctx.statusCode() >= 400) {
            RequestBodies.discard(ctx.req(), ctx.res(), 2 * settings.maxJsonBodyBytes());
        }
    }

    private void health(Context ctx) {
        ObjectNode body = ResultJson.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put("in_progress", queue.inProgress());
        body.put("bodies_arriving", settings.maxArriving() - arriving.availablePermits());
        body.put("capacity", queue.capacity());
        body.put("completed", queue.completed());
        body.put("rejected", queue.rejected());
        body.put("scene_jobs_active", jobs.active());
        json(ctx, 200, bytes(body));
    }

    private void page(Context ctx) {
        ctx.header("Content-Security-Policy", PAGE_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("text/html; charset=utf-8");
        ctx.result(page);
    }

    /** @return the model description served at {@link #MODEL_PATH} */
    static ObjectNode describeModel(GroundingEngine engine, ServerSettings settings) {
        ObjectNode info = ResultJson.MAPPER.createObjectNode();
        ModelInfo model = engine.info();
        String architecture = model.architecture();
        // file names only: a client has no business knowing the server's folders
        info.put("architecture", ModelConfigs.PRESETS.contains(architecture) ? architecture
                : fileName(architecture));
        info.put("preset", ModelConfigs.PRESETS.contains(architecture) ? architecture : null);
        try {
            info.set("config", ResultJson.MAPPER.readTree(ModelConfigs.toJson(engine.config())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (model.parameters() >= 0) {
            info.put("parameters", model.parameters());
        } else {
            info.putNull("parameters");
        }
        info.put("presence_score", engine.hasPresenceHead());
        info.put("training_scale_px", engine.trainingScale());
        ObjectNode tokenizer = info.putObject("tokenizer");
        tokenizer.put("kind", engine.tokenizer().describe().kind());
        tokenizer.put("vocab_size", engine.tokenizer().vocabSize());
        info.put("weights", model.source() == null ? null : fileName(model.source()));
        info.put("weight_naming", model.naming() == null ? null : model.naming().name().toLowerCase(Locale.ROOT));
        info.put("engine", model.engine());
        info.put("precision", model.precision());
        info.put("version", Version.get());
        ObjectNode limits = info.putObject("limits");
        limits.put("max_upload_bytes", settings.maxUploadBytes());
        limits.put("max_pixels", settings.maxPixels());
        limits.put("max_queries", settings.maxQueries());
        limits.put("max_query_chars", ServerSettings.MAX_QUERY_CHARS);
        limits.put("threads", settings.threads());
        limits.put("queue", settings.queueCapacity());
        return info;
    }

    /** @return the last element of a path, or the text itself when it is a name (a preset) */
    private static String fileName(String pathOrName) {
        Path name = Path.of(pathOrName).getFileName();
        return name == null ? pathOrName : name.toString();
    }

    private static void error(Context ctx, int status, String message) {
        json(ctx, status, ApiException.json(message));
    }

    /** Gives Javalin's own 404 and 405 answers the JSON shape. */
    private static void fillError(Context ctx, String message) {
        String type = ctx.res().getContentType();
        if (type == null || !type.startsWith("application/json")) {
            error(ctx, ctx.statusCode(), message);
        }
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(body);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return ResultJson.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readPage() {
        try (InputStream in = GroundingServer.class.getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("web page resource " + PAGE_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
        queue.close();
    }
}
