package io.rsground.cli;

import io.rsground.geo.GeoJson;
import io.rsground.geo.Georeference;
import io.rsground.geo.Georeferencing;
import io.rsground.geo.SceneReader;
import io.rsground.image.BoxPainter;
import io.rsground.image.PictureFiles;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.SceneGrounder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code predict} on a scene cut into windows: progress over windows, ranked boxes, an overview, GeoJSON. */
final class ScenePrediction {
    /** The longer side of the overview picture {@code --out} draws a tiled scene's boxes on. */
    static final int OVERVIEW_SIDE = 4096;

    private final SceneGrounder scenes;
    private final PrintWriter stdout;
    private final PrintWriter stderr;

    ScenePrediction(SceneGrounder scenes, PrintWriter stdout, PrintWriter stderr) {
        this.scenes = scenes;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** @return {width, height} of an image, from its header */
    static int[] size(Path image) throws IOException {
        try (SceneReader reader = SceneReader.open(image)) {
            return new int[] {reader.width(), reader.height()};
        }
    }

    /**
     * Grounds the queries in windows of the scene and prints each query's boxes, best first.
     *
     * @param size the scene's width and height ({@link #size})
     * @param json one JSON line per query on stdout, and nothing else there
     * @param out a picture of the scene (shrunk to at most {@value #OVERVIEW_SIDE} px) with the boxes, or null
     * @param geojson where to write the boxes as GeoJSON, or null
     */
    void run(Path image, int[] size, List<String> queries, SceneGrounder.Options options, boolean json, Path out,
            Path geojson) throws Exception {
        SceneGrounder.SceneResult result;
        int windows = scenes.windows(size[0], size[1], options).size();
        stderr.printf(Locale.ROOT, "predict: %s is %dx%d px: %d windows of %d px (overlap %.2f)%n", image, size[0],
                size[1], windows, scenes.windowSide(options), options.overlap());
        stderr.flush();
        try (Progress progress = new Progress("windows", windows, "windows")) {
            result = scenes.ground(image, queries, options, (done, total) -> progress.progress(done, total));
        }
        for (SceneGrounder.SceneAnswer a : result.answers()) {
            if (json) {
                stdout.println(ResultJson.MAPPER.writeValueAsString(ResultJson.toJson(a)));
                continue;
            }
            stdout.printf(Locale.ROOT, "%s -> %s%n", a.query(), a.boxes().isEmpty() ? "no box scored at least "
                    + options.minScore() : a.boxes().size() + (a.boxes().size() == 1 ? " box" : " boxes")
                    + ", best first (x1, y1, x2, y2 px of " + result.width() + "x" + result.height() + ")");
            for (int i = 0; i < a.boxes().size(); i++) {
                double[] b = a.boxes().get(i).box().toXyxy();
                stdout.printf(Locale.ROOT, "  %d. [%.1f, %.1f, %.1f, %.1f] score %.3f%n", i + 1, b[0], b[1], b[2],
                        b[3], a.boxes().get(i).score());
            }
        }
        stdout.flush();
        if (out != null) {
            writePicture(overview(image, result), out);
            if (!json) {
                stdout.println("wrote " + out);
            }
        }
        if (geojson != null) {
            writeGeoJson(image, geojson, features(result), json ? null : stdout, stderr);
        }
    }

    private static List<GeoJson.Feature> features(SceneGrounder.SceneResult result) {
        List<GeoJson.Feature> features = new ArrayList<>();
        for (SceneGrounder.SceneAnswer a : result.answers()) {
            for (int i = 0; i < a.boxes().size(); i++) {
                features.add(new GeoJson.Feature(a.query(), a.boxes().get(i).score(),
                        a.boxes().get(i).box().toXyxy(), i + 1));
            }
        }
        return features;
    }

    /** @return the scene shrunk to at most {@value #OVERVIEW_SIDE} px with every query's boxes drawn on it */
    static BufferedImage overview(Path image, SceneGrounder.SceneResult result) throws IOException {
        BufferedImage picture;
        try (SceneReader reader = SceneReader.open(image)) {
            picture = reader.readOverview(OVERVIEW_SIDE);
        }
        double sx = (double) picture.getWidth() / result.width();
        double sy = (double) picture.getHeight() / result.height();
        List<BoxPainter.Labelled> boxes = new ArrayList<>();
        List<SceneGrounder.SceneAnswer> answers = result.answers();
        for (int q = 0; q < answers.size(); q++) {
            for (int i = 0; i < answers.get(q).boxes().size(); i++) {
                SceneGrounder.SceneBox b = answers.get(q).boxes().get(i);
                boxes.add(new BoxPainter.Labelled(b.box().scale(sx, sy), (i + 1) + ". " + caption(answers.get(q)
                        .query(), b.score()), BoxPainter.PALETTE.get(q % BoxPainter.PALETTE.size())));
            }
        }
        return BoxPainter.draw(picture, boxes);
    }

    /**
     * @param results whole-image answers
     * @param minScore answers scored below are left out
     * @return the boxes to draw, each in its query's colour, captioned with the query and its score
     */
    static List<BoxPainter.Labelled> labelled(List<GroundingResult> results, double minScore) {
        List<BoxPainter.Labelled> boxes = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            GroundingResult r = results.get(i);
            if (!ResultJson.below(r.score(), minScore)) {
                boxes.add(new BoxPainter.Labelled(r.box(), caption(r.query(), r.score()),
                        BoxPainter.PALETTE.get(i % BoxPainter.PALETTE.size())));
            }
        }
        return boxes;
    }

    /** @return a box's caption: the query, and its score when there is one */
    static String caption(String query, Double score) {
        return score == null ? query : String.format(Locale.ROOT, "%s (%.2f)", query, score);
    }

    /** Writes a picture as PNG or JPEG, as its name's extension says ({@link PictureFiles#write}). */
    static void writePicture(BufferedImage picture, Path out) throws IOException {
        PictureFiles.write(picture, out);
    }

    /**
     * Writes boxes as GeoJSON in the image's coordinate reference system, or in pixels (and says so) when the
     * image is not georeferenced.
     *
     * @param said where to print what was written, or null
     */
    static void writeGeoJson(Path image, Path geojson, List<GeoJson.Feature> features, PrintWriter said,
            PrintWriter warnings) throws IOException {
        Optional<Georeference> geo = Georeferencing.read(image);
        if (geo.isEmpty()) {
            warnings.printf("predict: %s has no georeferencing (no GeoTIFF keys, no world file beside it): the "
                    + "GeoJSON boxes are in pixels%n", image);
            warnings.flush();
        }
        GeoJson.write(geojson, geo.orElse(null), features, true);
        if (said != null) {
            said.printf("wrote %s (%d boxes, %s)%n", geojson, features.size(), geo.map(g -> g.crsName() == null
                    ? "map coordinates of an unnamed reference system, from " + g.source()
                    : g.crsName() + ", from " + g.source()).orElse("pixel coordinates"));
            said.flush();
        }
    }
}
