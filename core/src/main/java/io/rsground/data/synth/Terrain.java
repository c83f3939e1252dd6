package io.rsground.data.synth;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.CubicCurve2D;
import java.awt.geom.Path2D;
import java.awt.geom.PathIterator;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Paints the ground of a scene, before any object: textured soil or grass (multi-octave value noise), fields,
 * buildings, water, roads and, for airplanes, a concrete apron. Keeps the zones objects are placed by: ships on
 * water, airplanes on the apron, vehicles on roads, everything else on free land.
 */
final class Terrain {

    /** Water area (empty when the scene has none). */
    final Area water;
    /** Road surfaces, with their edges. */
    final List<Shape> roads;
    /** Road centre lines, each a flattened polyline {@code [x0, y0, x1, y1, ...]}, with its width in {@link #roadWidths}. */
    final List<double[]> roadLines;
    /** Road widths, pixels. */
    final List<Double> roadWidths;
    /** The apron airplanes stand on, or {@code null}. */
    final Area apron;

    /** Rasterised zones for fast placement tests. */
    final Mask waterMask;
    final Mask roadMask;
    final Mask apronMask;

    private Terrain(Area water, List<Shape> roads, List<double[]> roadLines, List<Double> roadWidths, Area apron, int w,
            int h) {
        this.water = water;
        this.roads = roads;
        this.roadLines = roadLines;
        this.roadWidths = roadWidths;
        this.apron = apron;
        this.waterMask = new Mask(water, w, h);
        this.roadMask = new Mask(roads, w, h);
        this.apronMask = apron == null ? null : new Mask(apron, w, h);
    }

    /**
     * A zone rasterised at {@value #CELL} px: placement asks whether a box touches or lies inside it with array
     * look-ups instead of geometry on curved outlines, which dominated rendering time.
     */
    static final class Mask {
        static final int CELL = 2;
        private final byte[] cells;
        private final int cw;
        private final int ch;

        Mask(Shape zone, int w, int h) {
            this(List.of(zone), w, h);
        }

        Mask(List<Shape> zone, int w, int h) {
            cw = (w + CELL - 1) / CELL;
            ch = (h + CELL - 1) / CELL;
            BufferedImage img = new BufferedImage(cw, ch, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = img.createGraphics();
            g.scale(1.0 / CELL, 1.0 / CELL);
            g.setColor(Color.WHITE);
            for (Shape s : zone) {
                g.fill(s);
            }
            g.dispose();
            cells = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        }

        /** @return whether any cell under the box belongs to the zone */
        boolean touches(Rectangle2D box) {
            return any(box, true);
        }

        /** @return whether every cell under the box belongs to the zone */
        boolean covers(Rectangle2D box) {
            return !any(box, false);
        }

        /** @return whether some cell under the box is inside the zone (when {@code inside}) or outside it */
        private boolean any(Rectangle2D box, boolean inside) {
            int x0 = Math.max(0, (int) Math.floor(box.getMinX() / CELL));
            int y0 = Math.max(0, (int) Math.floor(box.getMinY() / CELL));
            int x1 = Math.min(cw - 1, (int) Math.floor(box.getMaxX() / CELL));
            int y1 = Math.min(ch - 1, (int) Math.floor(box.getMaxY() / CELL));
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    if ((cells[y * cw + x] != 0) == inside) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final Color[][] THEMES = {
        {new Color(96, 118, 72), new Color(138, 128, 92)}, // grass and dry patches
        {new Color(168, 150, 116), new Color(146, 134, 104)}, // arid
        {new Color(128, 126, 120), new Color(106, 110, 104)}, // built-up
        {new Color(84, 112, 66), new Color(124, 104, 80)}, // farmland
    };
    private static final Color[] CROPS = {new Color(78, 120, 58), new Color(112, 140, 70), new Color(150, 130, 80),
        new Color(120, 96, 70), new Color(170, 160, 110), new Color(92, 104, 60)};
    private static final Color[] ROOFS = {new Color(150, 92, 72), new Color(122, 122, 128), new Color(182, 176, 166),
        new Color(96, 88, 84)};

    /**
     * @param img the image to paint, {@code TYPE_INT_RGB}
     * @param rng the scene's random source
     * @param needWater whether the scene must have water (it has ships)
     * @param needApron whether the scene must have an apron (it has airplanes)
     * @param scale image side / 800
     * @return the zones painted
     */
    static Terrain paint(BufferedImage img, SplittableRandom rng, boolean needWater, boolean needApron, double scale) {
        int w = img.getWidth();
        int h = img.getHeight();
        Color[] theme = THEMES[rng.nextInt(THEMES.length)];
        groundTexture(img, theme[0], theme[1], rng, scale);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        try {
            fields(g, rng, w, h, scale);
            buildings(g, rng, w, h, scale);
            Area water = needWater || rng.nextInt(4) == 0 ? water(g, rng, w, h, scale) : new Area();
            List<double[]> lines = new ArrayList<>();
            List<Double> widths = new ArrayList<>();
            List<Shape> roads = roads(g, rng, w, h, scale, lines, widths);
            Area apron = needApron ? apron(g, rng, w, h, scale, water) : null;
            return new Terrain(water, roads, lines, widths, apron, w, h);
        } finally {
            g.dispose();
        }
    }

    private static void groundTexture(BufferedImage img, Color a, Color b, SplittableRandom rng, double scale) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        float[] mix = fbm(w, h, rng, new double[] {260 * scale, 110 * scale}, new double[] {0.7, 0.3});
        float[] grain = fbm(w, h, rng, new double[] {40 * scale, 12 * scale, 4 * scale}, new double[] {0.45, 0.35, 0.2});
        for (int i = 0; i < w * h; i++) {
            float t = smooth(mix[i]);
            float d = (grain[i] - 0.5f) * 46f;
            int r = ObjectPainter.clamp(a.getRed() + (b.getRed() - a.getRed()) * t + d);
            int gg = ObjectPainter.clamp(a.getGreen() + (b.getGreen() - a.getGreen()) * t + d);
            int bb = ObjectPainter.clamp(a.getBlue() + (b.getBlue() - a.getBlue()) * t + d * 0.8f);
            px[i] = (r << 16) | (gg << 8) | bb;
        }
    }

    private static float smooth(float t) {
        float u = Math.max(0, Math.min(1, (t - 0.3f) / 0.4f));
        return u * u * (3 - 2 * u);
    }

    /**
     * Value noise summed over octaves.
     *
     * @return [h * w] values in [0, 1], row-major
     */
    static float[] fbm(int w, int h, SplittableRandom rng, double[] cells, double[] weights) {
        float[] out = new float[w * h];
        for (int o = 0; o < cells.length; o++) {
            double cell = Math.max(2, cells[o]);
            int gw = (int) Math.ceil(w / cell) + 2;
            int gh = (int) Math.ceil(h / cell) + 2;
            float[] lattice = new float[gw * gh];
            for (int i = 0; i < lattice.length; i++) {
                lattice[i] = (float) rng.nextDouble();
            }
            float weight = (float) weights[o];
            // lattice column and blend weight of every x, computed once per octave
            int[] x0s = new int[w];
            float[] txs = new float[w];
            for (int x = 0; x < w; x++) {
                double fx = x / cell;
                x0s[x] = (int) fx;
                txs[x] = fade((float) (fx - x0s[x]));
            }
            for (int y = 0; y < h; y++) {
                double fy = y / cell;
                int y0 = (int) fy;
                float ty = fade((float) (fy - y0));
                int row0 = y0 * gw;
                int row1 = row0 + gw;
                int base = y * w;
                for (int x = 0; x < w; x++) {
                    int x0 = x0s[x];
                    float tx = txs[x];
                    float a = lattice[row0 + x0];
                    float c = lattice[row1 + x0];
                    float top = a + (lattice[row0 + x0 + 1] - a) * tx;
                    float bottom = c + (lattice[row1 + x0 + 1] - c) * tx;
                    out[base + x] += weight * (top + (bottom - top) * ty);
                }
            }
        }
        return out;
    }

    private static float fade(float t) {
        return t * t * (3 - 2 * t);
    }

    private static void fields(Graphics2D g, SplittableRandom rng, int w, int h, double scale) {
        int n = rng.nextInt(2, 9);
        for (int i = 0; i < n; i++) {
            double fw = (90 + rng.nextDouble() * 230) * scale;
            double fh = (70 + rng.nextDouble() * 180) * scale;
            AffineTransform t = AffineTransform.getTranslateInstance(rng.nextDouble() * w, rng.nextDouble() * h);
            t.rotate(rng.nextDouble() * Math.PI);
            Shape field = t.createTransformedShape(new Rectangle2D.Double(-fw / 2, -fh / 2, fw, fh));
            Color c = ObjectPainter.jitter(CROPS[rng.nextInt(CROPS.length)], rng, 10);
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 120 + rng.nextInt(80)));
            g.fill(field);
            // furrows
            g.setClip(field);
            g.setColor(new Color(0, 0, 0, 22));
            g.setStroke(new BasicStroke((float) Math.max(1, 1.5 * scale)));
            double step = (5 + rng.nextDouble() * 6) * scale;
            AffineTransform old = g.getTransform();
            g.transform(t);
            for (double y = -fh / 2; y < fh / 2; y += step) {
                g.draw(new java.awt.geom.Line2D.Double(-fw / 2, y, fw / 2, y));
            }
            g.setTransform(old);
            g.setClip(null);
        }
    }

    private static void buildings(Graphics2D g, SplittableRandom rng, int w, int h, double scale) {
        int n = rng.nextInt(0, 10);
        for (int i = 0; i < n; i++) {
            double bw = (18 + rng.nextDouble() * 36) * scale;
            double bh = (14 + rng.nextDouble() * 30) * scale;
            AffineTransform t = AffineTransform.getTranslateInstance(rng.nextDouble() * w, rng.nextDouble() * h);
            t.rotate(rng.nextDouble() * Math.PI);
            Shape roof = t.createTransformedShape(new Rectangle2D.Double(-bw / 2, -bh / 2, bw, bh));
            g.setColor(new Color(0, 0, 0, 80));
            g.fill(AffineTransform.getTranslateInstance(4 * scale, 4 * scale).createTransformedShape(roof));
            g.setColor(ObjectPainter.jitter(ROOFS[rng.nextInt(ROOFS.length)], rng, 12));
            g.fill(roof);
        }
    }

    private static Area water(Graphics2D g, SplittableRandom rng, int w, int h, double scale) {
        Path2D shape = new Path2D.Double();
        if (rng.nextBoolean()) { // coast along one edge
            int edge = rng.nextInt(4);
            double depth = (0.34 + rng.nextDouble() * 0.16) * (edge % 2 == 0 ? h : w);
            int steps = 24;
            double phase = rng.nextDouble() * 6.28;
            double amp = (20 + rng.nextDouble() * 30) * scale;
            double along = edge % 2 == 0 ? w : h;
            for (int i = 0; i <= steps; i++) {
                double u = along * i / steps;
                double v = depth + amp * Math.sin(phase + i * 0.5) + amp * 0.5 * Math.sin(phase * 2 + i * 1.3);
                double[] xy = coastPoint(edge, u, v, w, h);
                if (i == 0) {
                    shape.moveTo(xy[0], xy[1]);
                } else {
                    shape.lineTo(xy[0], xy[1]);
                }
            }
            double[] end = coastPoint(edge, along, -10, w, h);
            double[] start = coastPoint(edge, 0, -10, w, h);
            shape.lineTo(end[0], end[1]);
            shape.lineTo(start[0], start[1]);
            shape.closePath();
        } else { // lake
            double cx = w * (0.3 + 0.4 * rng.nextDouble());
            double cy = h * (0.3 + 0.4 * rng.nextDouble());
            double r = (190 + rng.nextDouble() * 90) * scale;
            int steps = 28;
            double p1 = rng.nextDouble() * 6.28;
            double p2 = rng.nextDouble() * 6.28;
            for (int i = 0; i < steps; i++) {
                double a = 2 * Math.PI * i / steps;
                double rr = r * (1 + 0.18 * Math.sin(3 * a + p1) + 0.1 * Math.sin(5 * a + p2));
                double x = cx + rr * Math.cos(a) * 1.15;
                double y = cy + rr * Math.sin(a) * 0.9;
                if (i == 0) {
                    shape.moveTo(x, y);
                } else {
                    shape.lineTo(x, y);
                }
            }
            shape.closePath();
        }
        Area water = new Area(shape);
        g.setStroke(new BasicStroke((float) (7 * scale), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.setColor(new Color(176, 166, 132));
        g.draw(shape);
        Rectangle2D b = water.getBounds2D();
        Color deep = ObjectPainter.jitter(new Color(36, 64, 86), rng, 8);
        Color shallow = ObjectPainter.jitter(new Color(58, 96, 110), rng, 8);
        g.setPaint(new java.awt.GradientPaint((float) b.getMinX(), (float) b.getMinY(), shallow,
                (float) b.getMaxX(), (float) b.getMaxY(), deep));
        g.fill(water);
        return water;
    }

    private static double[] coastPoint(int edge, double u, double v, int w, int h) {
        return switch (edge) {
            case 0 -> new double[] {u, v}; // water at the top
            case 1 -> new double[] {w - v, u}; // right
            case 2 -> new double[] {u, h - v}; // bottom
            default -> new double[] {v, u}; // left
        };
    }

    private static List<Shape> roads(Graphics2D g, SplittableRandom rng, int w, int h, double scale,
            List<double[]> lines, List<Double> widths) {
        List<Shape> all = new ArrayList<>();
        int n = rng.nextInt(1, 4);
        for (int i = 0; i < n; i++) {
            double[] a = edgePoint(rng, w, h);
            double[] b = edgePoint(rng, w, h);
            if (Math.hypot(a[0] - b[0], a[1] - b[1]) < 0.5 * Math.min(w, h)) {
                continue;
            }
            CubicCurve2D curve = new CubicCurve2D.Double(a[0], a[1],
                    w * (0.2 + 0.6 * rng.nextDouble()), h * (0.2 + 0.6 * rng.nextDouble()),
                    w * (0.2 + 0.6 * rng.nextDouble()), h * (0.2 + 0.6 * rng.nextDouble()), b[0], b[1]);
            double width = (11 + rng.nextDouble() * 12) * scale;
            g.setStroke(new BasicStroke((float) (width + 4 * scale), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
            g.setColor(new Color(150, 146, 136));
            g.draw(curve);
            BasicStroke asphalt = new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND);
            g.setStroke(asphalt);
            g.setColor(ObjectPainter.jitter(new Color(88, 90, 92), rng, 8));
            g.draw(curve);
            if (width > 15 * scale) {
                g.setStroke(new BasicStroke((float) Math.max(1, 1.2 * scale), BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_ROUND, 10f, new float[] {(float) (10 * scale), (float) (9 * scale)}, 0f));
                g.setColor(rng.nextBoolean() ? new Color(225, 225, 220) : new Color(214, 186, 70));
                g.draw(curve);
            }
            all.add(new BasicStroke((float) (width + 4 * scale)).createStrokedShape(curve));
            lines.add(flatten(curve));
            widths.add(width);
        }
        return all;
    }

    private static double[] edgePoint(SplittableRandom rng, int w, int h) {
        double t = rng.nextDouble();
        return switch (rng.nextInt(4)) {
            case 0 -> new double[] {t * w, -5};
            case 1 -> new double[] {w + 5, t * h};
            case 2 -> new double[] {t * w, h + 5};
            default -> new double[] {-5, t * h};
        };
    }

    private static double[] flatten(Shape s) {
        List<Double> pts = new ArrayList<>();
        double[] c = new double[6];
        for (PathIterator it = s.getPathIterator(null, 0.5); !it.isDone(); it.next()) {
            int type = it.currentSegment(c);
            if (type == PathIterator.SEG_MOVETO || type == PathIterator.SEG_LINETO) {
                pts.add(c[0]);
                pts.add(c[1]);
            }
        }
        double[] out = new double[pts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = pts.get(i);
        }
        return out;
    }

    private static Area apron(Graphics2D g, SplittableRandom rng, int w, int h, double scale, Area water) {
        for (int attempt = 0; attempt < 30; attempt++) {
            double aw = w * (0.42 + 0.25 * rng.nextDouble());
            double ah = h * (0.3 + 0.2 * rng.nextDouble());
            AffineTransform t = AffineTransform.getTranslateInstance(w * (0.25 + 0.5 * rng.nextDouble()),
                    h * (0.25 + 0.5 * rng.nextDouble()));
            t.rotate((rng.nextDouble() - 0.5) * 0.6);
            Shape s = t.createTransformedShape(new Rectangle2D.Double(-aw / 2, -ah / 2, aw, ah));
            Area apron = new Area(s);
            Area clash = new Area(apron);
            clash.intersect(water);
            if (!clash.isEmpty() && attempt < 29) {
                continue;
            }
            apron.subtract(water);
            g.setColor(ObjectPainter.jitter(new Color(172, 172, 166), rng, 6));
            g.fill(apron);
            g.setClip(apron);
            AffineTransform old = g.getTransform();
            g.transform(t);
            g.setStroke(new BasicStroke((float) Math.max(1, scale)));
            g.setColor(new Color(0, 0, 0, 25));
            double step = 24 * scale;
            for (double x = -aw / 2; x < aw / 2; x += step) {
                g.draw(new java.awt.geom.Line2D.Double(x, -ah / 2, x, ah / 2));
            }
            for (double y = -ah / 2; y < ah / 2; y += step) {
                g.draw(new java.awt.geom.Line2D.Double(-aw / 2, y, aw / 2, y));
            }
            g.setColor(new Color(214, 186, 70, 200));
            g.setStroke(new BasicStroke((float) Math.max(1, 1.6 * scale)));
            double ty = ah * (rng.nextDouble() - 0.5) * 0.6;
            g.draw(new java.awt.geom.Line2D.Double(-aw / 2, ty, aw / 2, ty));
            g.setTransform(old);
            g.setClip(null);
            return apron;
        }
        return null;
    }

    /** @return a point on a random road and the road's direction there: {@code [x, y, angle, width]}, or null */
    double[] pointOnRoad(SplittableRandom rng) {
        if (roadLines.isEmpty()) {
            return null;
        }
        int r = rng.nextInt(roadLines.size());
        double[] line = roadLines.get(r);
        int segments = line.length / 2 - 1;
        if (segments < 1) {
            return null;
        }
        int s = rng.nextInt(segments);
        double x0 = line[2 * s];
        double y0 = line[2 * s + 1];
        double x1 = line[2 * s + 2];
        double y1 = line[2 * s + 3];
        double t = rng.nextDouble();
        double angle = Math.atan2(y1 - y0, x1 - x0);
        double width = roadWidths.get(r);
        double lateral = (rng.nextDouble() - 0.5) * width * 0.5;
        Point2D p = new Point2D.Double(x0 + (x1 - x0) * t - Math.sin(angle) * lateral,
                y0 + (y1 - y0) * t + Math.cos(angle) * lateral);
        return new double[] {p.getX(), p.getY(), angle + (rng.nextBoolean() ? 0 : Math.PI), width};
    }
}
