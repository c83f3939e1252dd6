package io.rsground.data.synth;

import io.rsground.box.Box;
import io.rsground.data.synth.ObjectPainter.Figure;
import io.rsground.data.synth.ObjectPainter.Part;
import io.rsground.data.synth.ObjectPainter.Placement;
import io.rsground.util.Seeds;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Composes and renders one scene from its own random source: picks classes and instances, paints the terrain,
 * places objects without overlap in the zones their class needs, draws shadows and bodies, adds mild blur and noise,
 * then plans the expressions.
 */
final class SceneRenderer {

    /** Relative frequency of each class in scenes. */
    private static final Map<SceneClass, Double> WEIGHTS = new EnumMap<>(Map.of(
            SceneClass.VEHICLE, 5.0, SceneClass.STORAGE_TANK, 4.0, SceneClass.AIRPLANE, 3.0, SceneClass.SHIP, 3.0,
            SceneClass.TENNIS_COURT, 3.0, SceneClass.CHIMNEY, 2.0, SceneClass.WINDMILL, 2.0,
            SceneClass.BASEBALL_FIELD, 2.0, SceneClass.BASKETBALL_COURT, 2.0, SceneClass.GROUND_TRACK_FIELD, 1.5));

    private static final int TRIES = 50;
    /** Standard deviation of the added Gaussian noise, grey levels. */
    static final double NOISE_SIGMA = 3.0;

    private SceneRenderer() {
    }

    /** @return a random source for scene {@code index} of a data set with {@code seed}, the same on every thread */
    static SplittableRandom randomFor(long seed, int index) {
        // nearby seeds and indices give unrelated streams
        return new SplittableRandom(Seeds.mix64(seed * 0x9E3779B97F4A7C15L
                + Seeds.mix64(index + 0x632BE59BD9B4E019L)));
    }

    /**
     * @param seed the data set's seed
     * @param index the scene's number
     * @param size image side, pixels (at least 64)
     * @return the scene, with expressions planned
     */
    static Scene render(long seed, int index, int size) {
        return render(seed, index, size, SceneOptions.DEFAULT);
    }

    /**
     * @param options zoom and crowding of the scene
     * @return the scene, with expressions planned
     */
    static Scene render(long seed, int index, int size, SceneOptions options) {
        SplittableRandom rng = randomFor(seed, index);
        double scale = size / 800.0 * options.zoom();
        List<SceneClass> classes = pickClasses(rng);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Terrain terrain = Terrain.paint(img, rng, classes.contains(SceneClass.SHIP),
                classes.contains(SceneClass.AIRPLANE), scale);
        double sunAngle = rng.nextDouble() * 2 * Math.PI;
        Point2D sun = new Point2D.Double(Math.cos(sunAngle), Math.sin(sunAngle));
        double lean = rng.nextDouble() * 2 * Math.PI;

        // Large classes first, so they find room.
        classes.sort(Comparator.comparingDouble(SceneClass::maxLength).reversed());
        List<Placed> placed = new ArrayList<>();
        for (SceneClass c : classes) {
            int count = rng.nextInt(c.minCount(), options.maxCount(c.minCount(), c.maxCount()) + 1);
            for (int i = 0; i < count; i++) {
                double u = rng.nextDouble();
                double length = (c.minLength() + u * (c.maxLength() - c.minLength())) * scale;
                NamedColour colour = c.palette().get(rng.nextInt(c.palette().size()));
                Placed p = place(c, colour, length, SizeClass.of(u), placed, terrain, sun, lean, scale, size, rng);
                if (p != null) {
                    placed.add(p);
                }
            }
        }

        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        for (Placed p : placed) {
            for (Part part : p.figure.shadow()) {
                g.setPaint(part.paint());
                g.fill(part.shape());
            }
            for (Part part : p.figure.body()) {
                g.setPaint(part.paint());
                g.fill(part.shape());
            }
        }
        g.dispose();
        blurAndNoise(img, rng);

        List<SceneObject> objects = new ArrayList<>();
        for (Placed p : placed) {
            Rectangle2D b = p.figure.bounds();
            Box box = new Box(Math.max(0, Math.floor(b.getMinX())), Math.max(0, Math.floor(b.getMinY())),
                    Math.min(size, Math.ceil(b.getMaxX())), Math.min(size, Math.ceil(b.getMaxY())));
            double deg = Math.toDegrees(p.angle) % 360;
            objects.add(new SceneObject(objects.size(), p.sceneClass, p.colour, p.sizeClass, p.length,
                    deg < 0 ? deg + 360 : deg, box, null, null));
        }
        return new Scene(index, img, ReferringPlanner.plan(objects, size, size, rng));
    }

    private static List<SceneClass> pickClasses(SplittableRandom rng) {
        int n = rng.nextInt(3, 6);
        List<SceneClass> pool = new ArrayList<>(List.of(SceneClass.values()));
        List<SceneClass> chosen = new ArrayList<>();
        while (chosen.size() < n) {
            double total = pool.stream().mapToDouble(WEIGHTS::get).sum();
            double r = rng.nextDouble() * total;
            for (SceneClass c : pool) {
                r -= WEIGHTS.get(c);
                if (r <= 0) {
                    chosen.add(c);
                    pool.remove(c);
                    break;
                }
            }
            // at most one of the two classes as large as a quarter of the image
            if (chosen.contains(SceneClass.GROUND_TRACK_FIELD)) {
                pool.remove(SceneClass.BASEBALL_FIELD);
            }
            if (chosen.contains(SceneClass.BASEBALL_FIELD)) {
                pool.remove(SceneClass.GROUND_TRACK_FIELD);
            }
        }
        return chosen;
    }

    /** An object that found its place. */
    private record Placed(SceneClass sceneClass, NamedColour colour, SizeClass sizeClass, double length, double cx,
            double cy, double angle, Figure figure, Rectangle2D keepOut) {
    }

    /** Where one try puts an object: its centre, pixels, and its angle, radians. */
    private record Spot(double cx, double cy, double angle) {
    }

    private static Placed place(SceneClass c, NamedColour colour, double length, SizeClass sizeClass,
            List<Placed> placed, Terrain terrain, Point2D sun, double lean, double scale, int size,
            SplittableRandom rng) {
        Placed previous = null;
        for (int i = placed.size() - 1; i >= 0; i--) {
            if (placed.get(i).sceneClass == c) {
                previous = placed.get(i);
                break;
            }
        }
        double margin = 3 * scale + 1;
        for (int attempt = 0; attempt < TRIES; attempt++) {
            double cx = rng.nextDouble() * size;
            double cy = rng.nextDouble() * size;
            double angle = rng.nextDouble() * 2 * Math.PI;
            boolean nearPrevious = previous != null && attempt < TRIES / 2 && rng.nextInt(4) != 0;
            Spot spot = spotFor(c, new Spot(cx, cy, angle), nearPrevious ? previous : null, length, terrain, lean,
                    scale, margin, rng);
            if (spot == null) {
                return null;
            }
            Figure f = ObjectPainter.figure(new Placement(c, colour, length, spot.cx(), spot.cy(), spot.angle(), sun,
                    lean, scale), rng);
            Rectangle2D b = f.bounds();
            if (b.getMinX() < 2 || b.getMinY() < 2 || b.getMaxX() > size - 2 || b.getMaxY() > size - 2) {
                continue;
            }
            Rectangle2D keepOut = new Rectangle2D.Double(b.getX() - margin, b.getY() - margin,
                    b.getWidth() + 2 * margin, b.getHeight() + 2 * margin);
            if (placed.stream().anyMatch(p -> p.keepOut.intersects(keepOut)) || !fitsTerrain(c, b, terrain)) {
                continue;
            }
            return new Placed(c, colour, sizeClass, length, spot.cx(), spot.cy(), spot.angle(), f, keepOut);
        }
        return null;
    }

    /**
     * Moves a try's uniformly drawn spot to where its class goes: ships on water, airplanes on the apron, most
     * vehicles along a road; tanks, courts and chimneys near the previous one of their class when asked.
     *
     * @param drawn the spot drawn uniformly over the image
     * @param previous the previous object of the class when this try places near it, else null
     * @param margin the free space kept around each object, pixels
     * @return the spot, or null when the terrain has no zone for the class
     */
    private static Spot spotFor(SceneClass c, Spot drawn, Placed previous, double length, Terrain terrain,
            double lean, double scale, double margin, SplittableRandom rng) {
        double cx = drawn.cx();
        double cy = drawn.cy();
        double angle = drawn.angle();
        switch (c) {
            case SHIP -> {
                Rectangle2D w = terrain.water.getBounds2D();
                if (w.isEmpty()) {
                    return null;
                }
                cx = w.getMinX() + rng.nextDouble() * w.getWidth();
                cy = w.getMinY() + rng.nextDouble() * w.getHeight();
            }
            case AIRPLANE -> {
                if (terrain.apron == null) {
                    return null;
                }
                Rectangle2D a = terrain.apron.getBounds2D();
                cx = a.getMinX() + rng.nextDouble() * a.getWidth();
                cy = a.getMinY() + rng.nextDouble() * a.getHeight();
            }
            case VEHICLE -> {
                double[] road = rng.nextInt(3) != 0 ? terrain.pointOnRoad(rng) : null;
                if (road != null) {
                    return new Spot(road[0], road[1], road[2]);
                }
            }
            case STORAGE_TANK -> {
                angle = 0;
                if (previous != null) {
                    double spread = SceneClass.STORAGE_TANK.maxLength() * scale;
                    cx = previous.cx + rng.nextGaussian() * spread;
                    cy = previous.cy + rng.nextGaussian() * spread;
                }
            }
            case TENNIS_COURT, BASKETBALL_COURT -> {
                return courtSpot(c, drawn, previous, length, margin, rng);
            }
            case CHIMNEY -> {
                angle = lean;
                if (previous != null) {
                    cx = previous.cx + rng.nextGaussian() * 70 * scale;
                    cy = previous.cy + rng.nextGaussian() * 70 * scale;
                }
            }
            default -> {
            }
        }
        return new Spot(cx, cy, angle);
    }

    /**
     * @param previous the previous court of the class when this try places beside it, else null
     * @return beside the previous court with its orientation, else mostly aligned with a street grid
     */
    private static Spot courtSpot(SceneClass c, Spot drawn, Placed previous, double length, double margin,
            SplittableRandom rng) {
        if (previous != null) { // courts side by side, same orientation
            double angle = previous.angle;
            double ratio = c == SceneClass.TENNIS_COURT ? 0.54 : 0.56;
            double step = (previous.length + length) * ratio / 2 + 2 * margin + 1;
            int side = rng.nextBoolean() ? 1 : -1;
            double cx = previous.cx - Math.sin(angle) * step * side;
            double cy = previous.cy + Math.cos(angle) * step * side;
            return new Spot(cx, cy, angle);
        }
        if (rng.nextInt(10) < 7) { // courts are mostly laid out along a street grid
            return new Spot(drawn.cx(), drawn.cy(), rng.nextInt(2) * Math.PI / 2 + rng.nextGaussian() * 0.03);
        }
        return drawn;
    }

    private static boolean fitsTerrain(SceneClass c, Rectangle2D b, Terrain t) {
        return switch (c) {
            case SHIP -> t.waterMask.covers(b) && !t.roadMask.touches(b);
            case AIRPLANE -> t.apronMask != null && t.apronMask.covers(b);
            case VEHICLE -> !t.waterMask.touches(b);
            default -> !t.waterMask.touches(b) && !t.roadMask.touches(b)
                    && (t.apronMask == null || !t.apronMask.touches(b));
        };
    }

    /** Standard normal values, looked up by 16 random bits: much faster than drawing a Gaussian per channel. */
    private static final float[] NORMAL = normalTable();

    private static float[] normalTable() {
        float[] t = new float[1 << 16];
        SplittableRandom r = new SplittableRandom(0x5EED);
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) r.nextGaussian();
        }
        return t;
    }

    /** Mild 3x3 blur (kernel [1 2 1] x [1 2 1] / 16 mixed half and half with the original) and noise, in place. */
    private static void blurAndNoise(BufferedImage img, SplittableRandom rng) {
        int w = img.getWidth();
        int h = img.getHeight();
        int n = w * h;
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        int[][] channels = new int[3][n];
        for (int i = 0; i < n; i++) {
            channels[0][i] = (px[i] >> 16) & 0xFF;
            channels[1][i] = (px[i] >> 8) & 0xFF;
            channels[2][i] = px[i] & 0xFF;
        }
        int[] tmp = new int[n];
        int[][] blurred = new int[3][];
        for (int c = 0; c < 3; c++) {
            blurred[c] = blur121(channels[c], tmp, w, h);
        }
        for (int i = 0; i < n; i++) {
            long bits = rng.nextLong();
            int out = 0;
            for (int c = 0; c < 3; c++) {
                float noise = NORMAL[(int) (bits >>> (16 * c)) & 0xFFFF];
                double v = 0.5 * channels[c][i] + blurred[c][i] / 32.0 + noise * NOISE_SIGMA;
                out = (out << 8) | ObjectPainter.clamp(v);
            }
            px[i] = out;
        }
    }

    /** @return the channel filtered with [1 2 1] along rows and columns (edges repeated), times 16 */
    private static int[] blur121(int[] src, int[] tmp, int w, int h) {
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                int left = src[row + Math.max(0, x - 1)];
                int right = src[row + Math.min(w - 1, x + 1)];
                tmp[row + x] = left + 2 * src[row + x] + right;
            }
        }
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            int up = Math.max(0, y - 1) * w;
            int row = y * w;
            int down = Math.min(h - 1, y + 1) * w;
            for (int x = 0; x < w; x++) {
                out[row + x] = tmp[up + x] + 2 * tmp[row + x] + tmp[down + x];
            }
        }
        return out;
    }

}
