package io.rsground.infer;

import io.rsground.box.Box;
import io.rsground.geo.SceneReader;
import io.rsground.image.Images;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Grounds queries in scenes larger than the model's training images: the scene is cut into overlapping windows of
 * the side the model was trained at ({@link GroundingEngine#trainingScale()}), each window is read from the file alone
 * (never the whole scene) and encoded once by the image tower for all queries, and each query's window boxes are
 * mapped to scene pixels, ranked by the presence score and merged across overlaps.
 *
 * <p>Shrinking a 10,000 px scene to the model's 224 px input would make every vehicle sub-pixel; a window of the
 * training side keeps objects at the scale the model learned them. Ranking needs the presence score, so tiling needs
 * a model with a presence head.
 */
public final class SceneGrounder {
    /** Scenes up to this multiple of the training side are grounded whole under {@link Tiling#AUTO}. */
    public static final double AUTO_TILE_FACTOR = 1.5;

    /** How a scene is cut. */
    public enum Tiling {
        /** windows when the scene is over {@value #AUTO_TILE_FACTOR} times the training side, else the whole image */
        AUTO,
        /** always the whole image, shrunk to the model's input */
        OFF,
        /** always windows */
        ON
    }

    /**
     * @param tiling when to cut the scene
     * @param windowSide the window side in scene pixels, or 0 for the model's training side
     * @param overlap the share of a window its neighbour covers too, in [0, 0.9]
     * @param topK boxes kept per query, best first (at least 1)
     * @param minScore boxes scored below are dropped (0 keeps all)
     * @param mergeIou boxes of one query overlapping a better one by more than this IoU, or lying within it by more
     *     than {@link #CONTAINED}, are the same object seen from another window
     */
    public record Options(Tiling tiling, int windowSide, double overlap, int topK, double minScore,
            double mergeIou) {
        /** Defaults: automatic tiling, the training side, a quarter overlap, five boxes, merge over IoU 0.5. */
        public static final Options DEFAULT = new Options(Tiling.AUTO, 0, 0.25, 5, 0, 0.5);

        /** Checks the ranges. */
        public Options {
            if (windowSide < 0 || windowSide == 1) {
                throw new IllegalArgumentException("window side must be 0 (the model's) or at least 2 px, got "
                        + windowSide);
            }
            if (!(overlap >= 0 && overlap <= 0.9)) {
                throw new IllegalArgumentException("overlap must be in [0, 0.9], got " + overlap);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("top-k must be at least 1, got " + topK);
            }
            if (!(minScore >= 0 && minScore <= 1)) {
                throw new IllegalArgumentException("min-score must be in [0, 1], got " + minScore);
            }
            if (!(mergeIou > 0 && mergeIou <= 1)) {
                throw new IllegalArgumentException("merge IoU must be in (0, 1], got " + mergeIou);
            }
        }

        /** Smallest window side a user may ask for. */
        public static final int MIN_WINDOW_SIDE = 32;

        /**
         * Options from their spelling on the command line and in the HTTP API, with the default merge IoU.
         *
         * @param tiles {@code auto}, {@code off}, or a window side of at least {@value #MIN_WINDOW_SIDE} px
         * @throws IllegalArgumentException naming the value out of range
         */
        public static Options parse(String tiles, double overlap, int topK, double minScore) {
            String t = tiles.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals("auto") || t.equals("off")) {
                return new Options(t.equals("auto") ? Tiling.AUTO : Tiling.OFF, 0, overlap, topK, minScore,
                        DEFAULT.mergeIou());
            }
            int side;
            try {
                side = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                side = -1;
            }
            if (side < MIN_WINDOW_SIDE) {
                throw new IllegalArgumentException("tiles takes auto, off or a window side of at least "
                        + MIN_WINDOW_SIDE + " px, got '" + tiles + "'");
            }
            return new Options(Tiling.ON, side, overlap, topK, minScore, DEFAULT.mergeIou());
        }
    }

    /** A box lying within a better one by this share of its own area is the same object cut by a window edge. */
    public static final double CONTAINED = 0.8;

    /**
     * One box of a query in the scene.
     *
     * @param box scene pixels, corner format (x1, y1, x2, y2)
     * @param score the presence score, or null (a whole-image answer of a model without a presence head)
     * @param window the window the box was found in
     */
    public record SceneBox(Box box, Double score, Rectangle window) {
    }

    /**
     * One query's answer.
     *
     * @param query the query
     * @param boxes its boxes, best first, at most top-k, none below the minimum score
     */
    public record SceneAnswer(String query, List<SceneBox> boxes) {
    }

    /**
     * The answers for a scene.
     *
     * @param width scene width in pixels
     * @param height scene height in pixels
     * @param windows the windows grounded, in reading order (one covering the scene when not tiled)
     * @param tiled whether the scene was cut into windows
     * @param answers one per query, in order
     */
    public record SceneResult(int width, int height, List<Rectangle> windows, boolean tiled,
            List<SceneAnswer> answers) {
    }

    /** Told after each window. */
    @FunctionalInterface
    public interface WindowListener {
        WindowListener NONE = (done, total) -> { };

        void windowDone(int done, int total);
    }

    private final GroundingEngine grounder;

    /** @param grounder the model, on either engine; a feature cache is bypassed (windows are seen once) */
    public SceneGrounder(GroundingEngine grounder) {
        this.grounder = grounder;
    }

    /**
     * @param width scene width
     * @param height scene height
     * @param options tiling settings
     * @return whether these settings cut a scene of this size into windows
     * @throws IllegalArgumentException when tiling is asked of a model without a presence head
     */
    public boolean tiles(int width, int height, Options options) {
        int side = windowSide(options);
        boolean want = switch (options.tiling()) {
            case OFF -> false;
            case ON -> true;
            case AUTO -> Math.max(width, height) > AUTO_TILE_FACTOR * side;
        };
        if (want && !grounder.hasPresenceHead()) {
            if (options.tiling() == Tiling.AUTO) {
                return false;
            }
            throw new IllegalArgumentException("tiled grounding ranks the windows' boxes by the presence score, and "
                    + "this model has no presence head: ground the whole image (tiles off)");
        }
        return want;
    }

    /** @return the window side these options use, in scene pixels */
    public int windowSide(Options options) {
        return options.windowSide() > 0 ? options.windowSide() : grounder.trainingScale();
    }

    /**
     * Windows of one side covering a scene, overlapping by at least the given share: the last window of a row or
     * column is moved in to end at the scene's edge rather than hang over it, so every window is whole.
     *
     * @param width scene width
     * @param height scene height
     * @param side window side
     * @param overlap the share of a window its neighbour covers at least
     * @return windows in reading order (rows top to bottom, left to right)
     */
    public static List<Rectangle> windows(int width, int height, int side, double overlap) {
        List<Rectangle> out = new ArrayList<>();
        for (int y : starts(height, side, overlap)) {
            for (int x : starts(width, side, overlap)) {
                out.add(new Rectangle(x, y, Math.min(side, width), Math.min(side, height)));
            }
        }
        return out;
    }

    /** @return the windows these options cut a scene of this size into */
    public List<Rectangle> windows(int width, int height, Options options) {
        return windows(width, height, windowSide(options), options.overlap());
    }

    /** @return window starts along one axis: evenly spread, first at 0, last ending at the edge */
    static int[] starts(int length, int side, double overlap) {
        if (length <= side) {
            return new int[] {0};
        }
        int stride = Math.max(1, (int) Math.floor(side * (1 - overlap)));
        int count = 1 + (int) Math.ceil((double) (length - side) / stride);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            // spread the windows evenly so the overlap is never below the asked share
            out[i] = (int) Math.round((double) i * (length - side) / (count - 1));
        }
        return out;
    }

    /**
     * @param scene a scene file (TIFF windows are read from their tiles or strips; see {@link SceneReader})
     * @param queries one or more non-blank queries
     * @param options tiling settings
     * @param listener told after each window
     * @return each query's boxes in scene pixels, best first
     * @throws IOException when the scene cannot be read
     */
    public SceneResult ground(Path scene, List<String> queries, Options options, WindowListener listener)
            throws IOException {
        Grounder.checkQueries(queries);
        try (SceneReader reader = SceneReader.open(scene)) {
            int width = reader.width();
            int height = reader.height();
            if (!tiles(width, height, options)) {
                // the path every small image takes, decoded as predict always did
                Rectangle whole = new Rectangle(0, 0, width, height);
                List<List<SceneBox>> found = candidates(queries.size());
                addWindow(found, grounder.ground(Images.read(scene), queries), whole);
                listener.windowDone(1, 1);
                return new SceneResult(width, height, List.of(whole), false, rank(queries, found, options));
            }
            List<Rectangle> windows = windows(width, height, options);
            List<List<SceneBox>> found = candidates(queries.size());
            for (int i = 0; i < windows.size(); i++) {
                Rectangle w = windows.get(i);
                BufferedImage pixels = reader.read(w);
                addWindow(found, grounder.ground(grounder.transform().apply(pixels), queries), w);
                listener.windowDone(i + 1, windows.size());
            }
            return new SceneResult(width, height, windows, true, rank(queries, found, options));
        }
    }

    private static List<List<SceneBox>> candidates(int queries) {
        List<List<SceneBox>> out = new ArrayList<>(queries);
        for (int i = 0; i < queries; i++) {
            out.add(new ArrayList<>());
        }
        return out;
    }

    private static void addWindow(List<List<SceneBox>> found, List<GroundingResult> results, Rectangle window) {
        for (int q = 0; q < results.size(); q++) {
            GroundingResult r = results.get(q);
            found.get(q).add(new SceneBox(r.box().translate(window.x, window.y), r.score(), window));
        }
    }

    private static List<SceneAnswer> rank(List<String> queries, List<List<SceneBox>> found, Options options) {
        List<SceneAnswer> answers = new ArrayList<>(queries.size());
        for (int q = 0; q < queries.size(); q++) {
            answers.add(new SceneAnswer(queries.get(q), merge(found.get(q), options)));
        }
        return answers;
    }

    /**
     * Non-maximum suppression by score, where a box also counts as a duplicate when it lies mostly within a better
     * one (the part of an object a window edge cut off, whose IoU with the whole can be small).
     *
     * @param boxes one query's candidates
     * @param options top-k, minimum score and merge IoU
     * @return the kept boxes, best first
     */
    static List<SceneBox> merge(List<SceneBox> boxes, Options options) {
        List<SceneBox> sorted = new ArrayList<>(boxes);
        sorted.sort(Comparator.comparingDouble((SceneBox b) -> b.score() == null ? 0 : b.score()).reversed());
        List<SceneBox> kept = new ArrayList<>();
        for (SceneBox b : sorted) {
            if (kept.size() == options.topK()) {
                break;
            }
            if (b.score() != null && b.score() < options.minScore()) {
                break;
            }
            boolean duplicate = kept.stream().anyMatch(k -> k.box().iou(b.box()) > options.mergeIou()
                    || k.box().intersection(b.box()) > CONTAINED * Math.max(b.box().area(), 1e-9));
            if (!duplicate) {
                kept.add(b);
            }
        }
        return kept;
    }
}
