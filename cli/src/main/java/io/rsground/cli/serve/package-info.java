/**
 * The HTTP grounding service behind {@code rsground serve}: a JSON API over a
 * {@link io.rsground.infer.GroundingEngine} (DJL or ONNX Runtime) and a single-page web client, on Javalin (Jetty 12).
 *
 * <p>Requests are admitted into a bounded {@link io.rsground.cli.serve.WorkQueue} (503 with {@code Retry-After}
 * when it is full); size limits are checked from the headers before the body is read and again while it
 * streams; images are refused from their header when they hold too many pixels. Every error is a JSON object
 * {@code {"error": "..."}} with a 4xx status, so bad input never costs a worker.
 */
package io.rsground.cli.serve;
