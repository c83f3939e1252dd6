package io.rsground.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.image.BoxPainter;
import io.rsground.image.Images;
import io.rsground.image.PictureFiles;
import io.rsground.infer.GroundingEngine;
import io.rsground.geo.GeoJson;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.SceneGrounder;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rsground predict}: boxes for queries on an image. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Ground one or more queries in an image: prints each box in original image pixels.",
                "With --manifest, grounds a JSON-lines file of {\"image\": path, \"query\": text} (or \"queries\": "
                        + "[...]) lines, paths relative to the manifest, and writes one JSON line per input line: the "
                        + "input plus \"results\", or an \"error\" for that line alone."},
        footer = {"  ./rsground predict --weights runs/a/best_checkpoint --image scene.jpg \\",
            "      --query \"the white storage tank\" --out boxes.png",
            "  ./rsground predict --weights runs/a/best_checkpoint --manifest pairs.jsonl \\",
            "      --out results.jsonl"})
final class PredictCommand implements Callable<Integer> {
    static final ObjectMapper JSON = ResultJson.MAPPER;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    EngineOptions engine;

    @Option(names = "--image", paramLabel = "FILE", description = "JPEG, PNG or TIFF image")
    Path image;

    @Option(names = "--query", paramLabel = "TEXT", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "a referring expression; repeat for several")
    List<String> queries = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON line per query and nothing else on stdout")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "where the output goes: the image with the boxes and "
            + "queries drawn (PNG or JPEG); with --manifest, the results (JSON lines; default: stdout)")
    Path out;

    @Option(names = "--manifest", paramLabel = "JSONL", description = "batch mode: a JSON-lines file of image and "
            + "query pairs (instead of --image and --query)")
    Path manifest;

    /** The earlier spelling of {@code --out} in batch mode. */
    @Option(names = "--output", hidden = true, paramLabel = "JSONL")
    Path output;

    @Option(names = "--draw", paramLabel = "DIR", description = "batch mode: write each image with its boxes drawn "
            + "into this folder")
    Path draw;

    @Mixin
    TilingOptions tiling;

    @Option(names = "--geojson", paramLabel = "FILE", description = "also write the boxes as a GeoJSON "
            + "FeatureCollection: polygons in the image's coordinate reference system when it is georeferenced "
            + "(GeoTIFF keys, or a world file beside it), else in pixels")
    Path geojson;

    @Option(names = "--overwrite", description = "let --out and --geojson replace existing files")
    boolean overwrite;

    @Option(names = "--cache-images", defaultValue = "4", paramLabel = "N", hidden = true,
            description = "images whose features are kept")
    int cacheImages;

    @Override
    public Integer call() throws Exception {
        if (manifest != null) {
            if (image != null || !queries.isEmpty()) {
                throw new Errors.BadInputException("--manifest reads images and queries from its lines: leave out "
                        + "--image and --query");
            }
            if (out != null && output != null) {
                throw new Errors.BadInputException("give the results file once: --out (or its old spelling --output)");
            }
            Path results = out != null ? out : output;
            refuseToReplace(results, results == out ? "--out" : "--output");
            // outputs are checked before the model loads, so a wrong path costs no work
            if (results != null) {
                PictureFiles.requireFolderOf(results);
            }
            if (draw != null) {
                PictureFiles.requireFolder(draw);
            }
            return runManifest(results);
        }
        if (output != null || draw != null) {
            throw new Errors.BadInputException("--output and --draw go with --manifest; for one image, --out writes "
                    + "the image with its boxes");
        }
        if (image == null || queries.isEmpty()) {
            throw new Errors.BadInputException("give --image FILE and at least one --query TEXT, or --manifest FILE");
        }
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i).isBlank()) {
                throw new Errors.BadInputException("query " + (i + 1) + " is empty");
            }
        }
        SceneGrounder.Options options = tiling.toOptions();
        checkOutputs();
        engine.check(model);
        int[] size = ScenePrediction.size(image); // a bad image fails before the model loads
        try (GroundingEngine grounder = engine.open(model, 1)) {
            SceneGrounder scenes = new SceneGrounder(grounder);
            if (scenes.tiles(size[0], size[1], options)) {
                new ScenePrediction(scenes, spec.commandLine().getOut(), spec.commandLine().getErr())
                        .run(image, size, queries, options, json, out, geojson);
                return Errors.OK;
            }
            if (options.tiling() == SceneGrounder.Tiling.AUTO && !grounder.hasPresenceHead()
                    && Math.max(size[0], size[1]) > SceneGrounder.AUTO_TILE_FACTOR * scenes.windowSide(options)) {
                spec.commandLine().getErr().printf("predict: %s is %dx%d px, but this model has no presence score to "
                        + "rank windows by: grounding the whole image shrunk to the model's input%n", image, size[0],
                        size[1]);
            }
            predictWhole(grounder, options.minScore());
        }
        return Errors.OK;
    }

    private void predictWhole(GroundingEngine grounder, double minScore) throws Exception {
        BufferedImage picture = Images.read(image);
        List<GroundingResult> results = grounder.ground(picture, queries);
        PrintWriter stdout = spec.commandLine().getOut();
        List<GroundingResult> kept = new ArrayList<>();
        for (GroundingResult r : results) {
            boolean below = ResultJson.below(r.score(), minScore);
            if (!below) {
                kept.add(r);
            }
            if (json) {
                stdout.println(JSON.writeValueAsString(ResultJson.toJson(r, minScore)));
            } else if (below) {
                stdout.printf(Locale.ROOT, "%s -> no box scored at least %.2f (its box scored %.3f)%n", r.query(),
                        minScore, r.score());
            } else {
                double[] b = r.boxXyxy();
                stdout.printf(Locale.ROOT, "%s -> box [%.1f, %.1f, %.1f, %.1f] (x1, y1, x2, y2 px of %dx%d)%s%n",
                        r.query(), b[0], b[1], b[2], b[3], r.imageWidth(), r.imageHeight(), r.hasScore()
                                ? String.format(Locale.ROOT, ", score %.3f", r.score()) : ", no score (the model has "
                                + "no presence head)");
            }
        }
        stdout.flush();
        if (out != null) {
            ScenePrediction.writePicture(BoxPainter.draw(picture, ScenePrediction.labelled(results, minScore)), out);
            if (!json) {
                stdout.println("wrote " + out);
            }
        }
        if (geojson != null) {
            List<GeoJson.Feature> features = new ArrayList<>();
            for (GroundingResult r : kept) {
                features.add(new GeoJson.Feature(r.query(), r.score(), r.boxXyxy(), 1));
            }
            ScenePrediction.writeGeoJson(image, geojson, features, json ? null : stdout, spec.commandLine().getErr());
        }
    }

    private int runManifest(Path results) throws Exception {
        if (!Files.isRegularFile(manifest)) {
            throw new NoSuchFileException(manifest.toString(), null, "manifest not found");
        }
        if (cacheImages < 1) {
            throw new Errors.BadInputException("--cache-images must be at least 1 in batch mode");
        }
        engine.check(model);
        ManifestRunner.Summary summary;
        try (GroundingEngine grounder = engine.open(model, cacheImages);
                Writer sink = results != null ? Files.newBufferedWriter(results, StandardCharsets.UTF_8)
                        : new NonClosingWriter(spec.commandLine().getOut());
                Progress progress = new Progress("predict", 0, "lines")) {
            summary = new ManifestRunner(grounder, manifest, draw, tiling.toOptions()).run(sink, progress);
        }
        spec.commandLine().getErr().printf(Locale.ROOT, "predict: %d lines: %d answered (%d queries on %d images), "
                + "%d with an error%s%n", summary.lines(), summary.lines() - summary.failed(), summary.queries(),
                summary.images(), summary.failed(), results != null ? "; results in " + results : "");
        return Errors.OK;
    }

    /** Checks --out and --geojson before the model loads, so a wrong path costs no work. */
    private void checkOutputs() {
        refuseToReplace(out, "--out");
        refuseToReplace(geojson, "--geojson");
        if (out != null) {
            PictureFiles.checkWritable(out);
        }
        if (geojson != null) {
            PictureFiles.requireFolderOf(geojson);
        }
    }

    /** Keeps a user's earlier results unless --overwrite says otherwise. */
    private void refuseToReplace(Path file, String option) {
        if (file != null && !overwrite && Files.exists(file)) {
            throw new Errors.BadInputException(option + " " + file + " exists: remove it, or add --overwrite to "
                    + "replace it");
        }
    }

    /** Lets try-with-resources close the file writer but not the command line's stdout. */
    private static final class NonClosingWriter extends java.io.FilterWriter {
        NonClosingWriter(Writer out) {
            super(out);
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }

    /** @return {"query", "box_xyxy", "box_cxcywh_norm", "score", "boxes"} */
    static ObjectNode toJson(GroundingResult r) {
        return ResultJson.toJson(r);
    }
}
