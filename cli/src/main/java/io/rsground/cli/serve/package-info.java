/**
 * The HTTP grounding service behind {@code rsground serve}: a JSON API over a
 * {@link io.rsground.infer.GroundingEngine} (DJL or ONNX Runtime) and a single-page web client, on Javalin (Jetty 12).
 *
 * <p>A request's body is read whole, within a deadline, a minimum rate and a size limit (checked from the headers
 * first), before the request is admitted into a bounded {@link io.rsground.cli.serve.WorkQueue} (503 with
 * {@code Retry-After} when it is full), so slow clients hold no worker's place; images are refused from their
 * header when they hold too many pixels. Every error is a JSON object {@code {"error": "..."}} with a 4xx status,
 * so bad input never costs a worker; an optional bearer token guards the API.
 */
package io.rsground.cli.serve;
