package io.rsground.data.synth;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Paint;
import java.awt.RadialGradientPaint;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.PathIterator;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds the figure of one object in image coordinates: its shadow and its body as filled shapes. Each class has its
 * own shape (airplane: fuselage, swept wings and tail; ship: pointed hull; storage tank: rim and shaded roof; ...).
 * The box of an object is the tight bounds of its body, computed from the flattened outlines.
 */
final class ObjectPainter {

    private static final Color SHADOW = new Color(0, 0, 0, 105);
    private static final Color GLASS = new Color(38, 44, 54);
    private static final Color LINE_WHITE = new Color(240, 240, 236);

    private ObjectPainter() {
    }

    /** A filled shape with its paint, in image coordinates. */
    record Part(Shape shape, Paint paint) {
    }

    /**
     * An object's figure.
     *
     * @param groundParts parts painted under the body besides the cast shadow (long tower shadows, wakes)
     * @param silhouette shapes whose union casts the shadow, or empty
     * @param shadowOffset where the cast shadow falls relative to the silhouette, pixels
     * @param body the object itself
     * @param bounds the tight bounds of the body, pixels
     */
    record Figure(List<Part> groundParts, List<Shape> silhouette, Point2D shadowOffset, List<Part> body,
            Rectangle2D bounds) {

        /** @return everything painted under the body; the union of the silhouette is built here, once drawn */
        List<Part> shadow() {
            if (silhouette.isEmpty()) {
                return groundParts;
            }
            Area area = new Area();
            for (Shape s : silhouette) {
                area.add(new Area(s));
            }
            AffineTransform t = AffineTransform.getTranslateInstance(shadowOffset.getX(), shadowOffset.getY());
            List<Part> all = new ArrayList<>();
            all.add(new Part(t.createTransformedShape(area), SHADOW));
            all.addAll(groundParts);
            return all;
        }
    }

    /**
     * Where and how to draw an object.
     *
     * @param sceneClass its class
     * @param colour its named colour
     * @param length its longest side, pixels
     * @param cx centre (base for towers), pixels
     * @param cy centre (base for towers), pixels
     * @param angle rotation, radians (blade angle for windmills)
     * @param sun the scene's shadow direction, unit vector
     * @param lean the scene's lean direction of tall objects, radians
     * @param scale image side / 800, for line widths
     */
    record Placement(SceneClass sceneClass, NamedColour colour, double length, double cx, double cy, double angle,
            Point2D sun, double lean, double scale) {
    }

    /**
     * @param p where and how to draw
     * @param rng the scene's random source (details: shade jitter, windows, containers)
     * @return the figure
     */
    static Figure figure(Placement p, SplittableRandom rng) {
        Color base = jitter(p.colour().rgb(), rng, 10);
        Builder b = new Builder(p);
        switch (p.sceneClass()) {
            case VEHICLE -> vehicle(b, base, rng);
            case STORAGE_TANK -> storageTank(b, base);
            case AIRPLANE -> airplane(b, base, rng);
            case SHIP -> ship(b, base, rng);
            case TENNIS_COURT -> tennisCourt(b, base);
            case CHIMNEY -> chimney(b, base);
            case WINDMILL -> windmill(b, base);
            case BASEBALL_FIELD -> baseballField(b, base);
            case BASKETBALL_COURT -> basketballCourt(b, base);
            case GROUND_TRACK_FIELD -> trackField(b, base, rng);
            default -> throw new IllegalArgumentException("no painter for " + p.sceneClass());
        }
        return b.build();
    }

    /** Collects parts drawn in a local frame (centre at the origin, x along the object's length). */
    private static final class Builder {
        final Placement p;
        final AffineTransform local;
        final List<Part> shadow = new ArrayList<>();
        final List<Part> body = new ArrayList<>();
        final List<Shape> silhouette = new ArrayList<>();
        Point2D shadowOffset;

        Builder(Placement p) {
            this.p = p;
            this.local = new AffineTransform();
            local.translate(p.cx(), p.cy());
            local.rotate(p.angle());
        }

        /** Adds a body part given in the local frame; it also joins the silhouette a shadow may be cast from. */
        void fill(Shape localShape, Paint paint) {
            Shape world = local.createTransformedShape(localShape);
            body.add(new Part(world, paint));
            silhouette.add(world);
        }

        /** Adds a detail (lines, windows) that lies within parts already added and casts no shadow. */
        void detail(Shape localShape, Paint paint) {
            body.add(new Part(local.createTransformedShape(localShape), paint));
        }

        /** Adds a stroked line in the local frame as a detail. */
        void line(double x1, double y1, double x2, double y2, float width, Paint paint) {
            detail(new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER)
                    .createStrokedShape(new Line2D.Double(x1, y1, x2, y2)), paint);
        }

        /** Casts the silhouette's shadow, offset along the sun direction by the object's height in pixels. */
        void castShadow(double height) {
            shadowOffset = new Point2D.Double(p.sun().getX() * height, p.sun().getY() * height);
        }

        Figure build() {
            return new Figure(List.copyOf(shadow), shadowOffset == null ? List.of() : List.copyOf(silhouette),
                    shadowOffset, List.copyOf(body), tightBounds(body));
        }
    }

    private static void vehicle(Builder b, Color c, SplittableRandom rng) {
        double l = b.p.length();
        double w = l * (0.42 + 0.06 * rng.nextDouble());
        b.fill(new RoundRectangle2D.Double(-l / 2, -w / 2, l, w, w * 0.45, w * 0.45), c);
        boolean truck = l > 24 * b.p.scale() && rng.nextInt(3) == 0;
        if (truck) { // cab in front, cargo box behind
            b.detail(new Rectangle2D.Double(-l / 2 + 1, -w / 2 + 1, l * 0.66, w - 2), shade(c, 0.9));
            b.detail(new Rectangle2D.Double(l * 0.22, -w * 0.4, l * 0.07, w * 0.8), GLASS);
        } else {
            b.detail(new Rectangle2D.Double(l * 0.1, -w * 0.4, l * 0.16, w * 0.8), GLASS);
            b.detail(new Rectangle2D.Double(-l * 0.34, -w * 0.38, l * 0.1, w * 0.76), GLASS);
            b.detail(new Rectangle2D.Double(-l * 0.24, -w * 0.36, l * 0.34, w * 0.72), shade(c, 1.08));
        }
        b.castShadow(Math.max(1.5, w * 0.35));
    }

    private static void storageTank(Builder b, Color c) {
        double d = b.p.length();
        double r = d / 2;
        b.fill(new Ellipse2D.Double(-r, -r, d, d), shade(c, 0.78));
        double rr = r * 0.9;
        // light from the side opposite the shadow
        float fx = (float) (-b.p.sun().getX() * rr * 0.45);
        float fy = (float) (-b.p.sun().getY() * rr * 0.45);
        Point2D centre = b.local.transform(new Point2D.Double(0, 0), null);
        RadialGradientPaint roof = new RadialGradientPaint(new Point2D.Double(centre.getX() + fx, centre.getY() + fy),
                (float) (rr * 1.5), new float[] {0f, 1f}, new Color[] {shade(c, 1.12), shade(c, 0.82)});
        b.detail(new Ellipse2D.Double(-rr, -rr, 2 * rr, 2 * rr), roof);
        double v = Math.max(1.5, r * 0.14);
        b.detail(new Ellipse2D.Double(-v, -v, 2 * v, 2 * v), shade(c, 0.62));
        b.castShadow(r * 0.55);
    }

    private static void airplane(Builder b, Color c, SplittableRandom rng) {
        double l = b.p.length();
        double span = l * (0.88 + 0.18 * rng.nextDouble());
        double f = l * 0.11;
        Path2D wings = new Path2D.Double();
        for (int side : new int[] {-1, 1}) {
            wings.moveTo(l * 0.16, side * f / 2);
            wings.lineTo(-l * 0.1, side * span / 2);
            wings.lineTo(-l * 0.19, side * span / 2);
            wings.lineTo(-l * 0.07, side * f / 2);
            wings.closePath();
            wings.moveTo(-l * 0.34, side * f / 2);
            wings.lineTo(-l * 0.45, side * span * 0.18);
            wings.lineTo(-l * 0.5, side * span * 0.18);
            wings.lineTo(-l * 0.45, side * f / 2);
            wings.closePath();
        }
        b.fill(wings, shade(c, 0.93));
        b.fill(new RoundRectangle2D.Double(-l / 2, -f / 2, l, f, f * 1.6, f), c);
        double e = l * 0.05;
        for (int side : new int[] {-1, 1}) {
            b.detail(new RoundRectangle2D.Double(l * 0.01, side * span * 0.2 - e / 2, l * 0.12, e, e, e),
                    shade(c, 0.55));
        }
        b.detail(new Rectangle2D.Double(l * 0.37, -f * 0.28, l * 0.05, f * 0.56), GLASS);
        b.line(-l * 0.48, 0, -l * 0.3, 0, (float) Math.max(1, f * 0.25), shade(c, 0.7));
        b.castShadow(l * 0.1);
    }

    private static void ship(Builder b, Color c, SplittableRandom rng) {
        double l = b.p.length();
        double w = l * (0.19 + 0.06 * rng.nextDouble());
        Path2D hull = new Path2D.Double();
        hull.moveTo(-l / 2, -w * 0.4);
        hull.quadTo(-l / 2, -w / 2, -l * 0.44, -w / 2);
        hull.lineTo(l * 0.18, -w / 2);
        hull.quadTo(l * 0.42, -w / 2, l / 2, 0);
        hull.quadTo(l * 0.42, w / 2, l * 0.18, w / 2);
        hull.lineTo(-l * 0.44, w / 2);
        hull.quadTo(-l / 2, w / 2, -l / 2, w * 0.4);
        hull.closePath();
        // wake behind the stern: a turbulent strip and two faint diverging arms
        if (rng.nextInt(5) < 2) {
            double len = l * (0.6 + 0.8 * rng.nextDouble());
            double stern = -l * 0.47;
            Path2D strip = new Path2D.Double();
            strip.moveTo(stern, -w * 0.3);
            strip.lineTo(stern - len, -w * 0.45);
            strip.lineTo(stern - len, w * 0.45);
            strip.lineTo(stern, w * 0.3);
            strip.closePath();
            b.shadow.add(new Part(b.local.createTransformedShape(strip), new Color(215, 226, 230, 75)));
            BasicStroke arm = new BasicStroke((float) Math.max(1, w * 0.12));
            for (int side : new int[] {-1, 1}) {
                Shape line = arm.createStrokedShape(new Line2D.Double(stern, side * w * 0.4, stern - len * 1.2,
                        side * (w * 0.4 + len * 1.2 * 0.3)));
                b.shadow.add(new Part(b.local.createTransformedShape(line), new Color(215, 226, 230, 55)));
            }
        }
        b.fill(hull, c);
        AffineTransform inner = AffineTransform.getScaleInstance(0.86, 0.72);
        b.detail(inner.createTransformedShape(hull), shade(c, 0.86));
        if (l > 70 * b.p.scale() && rng.nextBoolean()) { // container or hatch rows
            Color[] boxes = {new Color(150, 60, 40), new Color(60, 90, 140), new Color(170, 150, 60),
                new Color(90, 120, 90)};
            for (double x = -l * 0.18; x < l * 0.22; x += l * 0.08) {
                b.detail(new Rectangle2D.Double(x, -w * 0.32, l * 0.07, w * 0.64), boxes[rng.nextInt(boxes.length)]);
            }
        }
        b.detail(new Rectangle2D.Double(-l * 0.4, -w * 0.34, l * 0.16, w * 0.68), shade(c, 1.15));
        b.detail(new Rectangle2D.Double(-l * 0.27, -w * 0.3, l * 0.03, w * 0.6), GLASS);
        b.castShadow(w * 0.25);
    }

    private static void tennisCourt(Builder b, Color c) {
        double l = b.p.length();
        double w = l * 0.54;
        Color surround = c.getBlue() > c.getGreen() ? new Color(70, 125, 80) : shade(c, 0.8);
        b.fill(new Rectangle2D.Double(-l / 2, -w / 2, l, w), surround);
        // playing area: 23.77 m x 10.97 m inside a margin
        double cl = l * 0.76;
        double cw = cl * 10.97 / 23.77;
        double m = cl / 23.77; // pixels per metre
        b.detail(new Rectangle2D.Double(-cl / 2, -cw / 2, cl, cw), c);
        float lw = (float) Math.max(1, 0.7 * b.p.scale());
        double sx = 6.40 * m;
        double sw = 8.23 * m / 2;
        b.detail(new BasicStroke(lw).createStrokedShape(new Rectangle2D.Double(-cl / 2, -cw / 2, cl, cw)), LINE_WHITE);
        b.line(-cl / 2, -sw, cl / 2, -sw, lw, LINE_WHITE);
        b.line(-cl / 2, sw, cl / 2, sw, lw, LINE_WHITE);
        b.line(-sx, -sw, -sx, sw, lw, LINE_WHITE);
        b.line(sx, -sw, sx, sw, lw, LINE_WHITE);
        b.line(-sx, 0, sx, 0, lw, LINE_WHITE);
        b.line(0, -cw / 2 - m, 0, cw / 2 + m, lw * 1.6f, new Color(30, 30, 30));
    }

    private static void chimney(Builder b, Color c) {
        double h = b.p.length();
        double w = Math.max(5, h * 0.12);
        // The tower rises from its base (the placement point) along the scene's lean direction.
        b.shadow.add(new Part(new BasicStroke((float) (w * 0.9), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                .createStrokedShape(new Line2D.Double(b.p.cx(), b.p.cy(), b.p.cx() + b.p.sun().getX() * h * 1.5,
                        b.p.cy() + b.p.sun().getY() * h * 1.5)), new Color(0, 0, 0, 120)));
        Point2D a = b.local.transform(new Point2D.Double(0, -w / 2), null);
        Point2D z = b.local.transform(new Point2D.Double(0, w / 2), null);
        Path2D tower = new Path2D.Double();
        tower.moveTo(0, -w * 0.6);
        tower.lineTo(h, -w * 0.42);
        tower.lineTo(h, w * 0.42);
        tower.lineTo(0, w * 0.6);
        tower.closePath();
        b.fill(tower, new GradientPaint(a, shade(c, 1.12), z, shade(c, 0.7)));
        double t = w * 0.95;
        b.fill(new Ellipse2D.Double(h - t / 2, -t / 2, t, t), shade(c, 0.9));
        b.detail(new Ellipse2D.Double(h - t * 0.3, -t * 0.3, t * 0.6, t * 0.6), new Color(25, 22, 20));
    }

    private static void windmill(Builder b, Color c) {
        double h = b.p.length() * 0.62; // tower; the blades make up the rest of the length
        double blade = b.p.length() * 0.38;
        double lean = b.p.lean();
        double hubX = b.p.cx() + Math.cos(lean) * h;
        double hubY = b.p.cy() + Math.sin(lean) * h;
        double sx = b.p.sun().getX() * h * 1.3;
        double sy = b.p.sun().getY() * h * 1.3;
        float tw = (float) Math.max(2, b.p.length() * 0.035);
        Color shadowColour = new Color(0, 0, 0, 115);
        b.shadow.add(new Part(new BasicStroke(tw, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND).createStrokedShape(
                new Line2D.Double(b.p.cx(), b.p.cy(), b.p.cx() + sx, b.p.cy() + sy)), shadowColour));
        Shape tower = new BasicStroke(tw, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                .createStrokedShape(new Line2D.Double(b.p.cx(), b.p.cy(), hubX, hubY));
        List<Shape> blades = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            double ang = b.p.angle() + k * 2 * Math.PI / 3;
            Path2D bl = new Path2D.Double();
            double bw = blade * 0.09;
            bl.moveTo(0, -bw * 0.3);
            bl.quadTo(blade * 0.25, -bw, blade, -bw * 0.15);
            bl.lineTo(blade, bw * 0.15);
            bl.quadTo(blade * 0.25, bw * 0.4, 0, bw * 0.3);
            bl.closePath();
            AffineTransform t = AffineTransform.getTranslateInstance(hubX, hubY);
            t.rotate(ang);
            blades.add(t.createTransformedShape(bl));
            AffineTransform ts = AffineTransform.getTranslateInstance(b.p.cx() + sx, b.p.cy() + sy);
            ts.rotate(ang);
            b.shadow.add(new Part(ts.createTransformedShape(bl), shadowColour));
        }
        b.body.add(new Part(tower, shade(c, 0.85)));
        for (Shape s : blades) {
            b.body.add(new Part(s, c));
        }
        double hub = Math.max(2.5, b.p.length() * 0.05);
        b.body.add(new Part(new Ellipse2D.Double(hubX - hub / 2, hubY - hub / 2, hub, hub), shade(c, 0.75)));
    }

    private static void baseballField(Builder b, Color c) {
        double r = b.p.length(); // home plate at the origin, the fan opens along +x
        Color dirt = new Color(166, 118, 78);
        b.fill(new Arc2D.Double(-r, -r, 2 * r, 2 * r, -45, 90, Arc2D.PIE), c);
        for (int k = 1; k < 8; k += 2) { // mowing bands
            Area band = new Area(fan(r * k / 8.0));
            band.subtract(new Area(fan(r * (k - 1) / 8.0)));
            b.detail(band, shade(c, 1.07));
        }
        double track = r * 0.94;
        b.detail(new BasicStroke((float) (r * 0.035)).createStrokedShape(
                new Arc2D.Double(-track, -track, 2 * track, 2 * track, -45, 90, Arc2D.OPEN)), dirt);
        double inf = r * 0.46;
        b.detail(new Arc2D.Double(-inf, -inf, 2 * inf, 2 * inf, -45, 90, Arc2D.PIE), dirt);
        double a = r * 0.27; // base path length
        double d = a / Math.sqrt(2);
        Path2D diamond = new Path2D.Double();
        diamond.moveTo(a * 0.16, 0);
        diamond.lineTo(d, -d + a * 0.12);
        diamond.lineTo(2 * d - a * 0.16, 0);
        diamond.lineTo(d, d - a * 0.12);
        diamond.closePath();
        b.detail(diamond, shade(c, 0.95));
        double mound = a * 0.14;
        b.detail(new Ellipse2D.Double(d - mound, -mound, 2 * mound, 2 * mound), dirt);
        double base = Math.max(1.5, a * 0.06);
        for (double[] pt : new double[][] {{0, 0}, {d, -d}, {2 * d, 0}, {d, d}}) {
            b.detail(new Rectangle2D.Double(pt[0] - base / 2, pt[1] - base / 2, base, base), LINE_WHITE);
        }
        float lw = (float) Math.max(1, 0.8 * b.p.scale());
        double foul = r * 0.99;
        b.line(0, 0, foul * Math.cos(Math.PI / 4), -foul * Math.sin(Math.PI / 4), lw, LINE_WHITE);
        b.line(0, 0, foul * Math.cos(Math.PI / 4), foul * Math.sin(Math.PI / 4), lw, LINE_WHITE);
    }

    private static Shape fan(double radius) {
        return new Arc2D.Double(-radius, -radius, 2 * radius, 2 * radius, -45, 90, Arc2D.PIE);
    }

    private static void basketballCourt(Builder b, Color c) {
        double l = b.p.length();
        double w = l * 0.56;
        b.fill(new Rectangle2D.Double(-l / 2, -w / 2, l, w), shade(c, 0.82));
        double cl = l * 0.88;
        double cw = w * 0.84;
        b.detail(new Rectangle2D.Double(-cl / 2, -cw / 2, cl, cw), c);
        float lw = (float) Math.max(1, 0.7 * b.p.scale());
        BasicStroke s = new BasicStroke(lw);
        b.detail(s.createStrokedShape(new Rectangle2D.Double(-cl / 2, -cw / 2, cl, cw)), LINE_WHITE);
        b.line(0, -cw / 2, 0, cw / 2, lw, LINE_WHITE);
        double cc = cw * 0.24;
        b.detail(s.createStrokedShape(new Ellipse2D.Double(-cc, -cc, 2 * cc, 2 * cc)), LINE_WHITE);
        double key = cl * 0.2;
        double kw = cw * 0.33;
        for (int side : new int[] {-1, 1}) {
            double x0 = side < 0 ? -cl / 2 : cl / 2 - key;
            b.detail(s.createStrokedShape(new Rectangle2D.Double(x0, -kw / 2, key, kw)), LINE_WHITE);
            double ar = cw * 0.44;
            double cx = side * cl / 2;
            b.detail(s.createStrokedShape(new Arc2D.Double(cx - ar, -ar, 2 * ar, 2 * ar, side < 0 ? -80 : 100, 160,
                    Arc2D.OPEN)), LINE_WHITE);
        }
    }

    private static void trackField(Builder b, Color c, SplittableRandom rng) {
        double l = b.p.length();
        double w = l * 0.56;
        b.fill(new RoundRectangle2D.Double(-l / 2, -w / 2, l, w, w, w), c);
        double lane = w * 0.13;
        double il = l - 2 * lane;
        double iw = w - 2 * lane;
        Color grass = jitter(new Color(70, 135, 68), rng, 8);
        b.detail(new RoundRectangle2D.Double(-il / 2, -iw / 2, il, iw, iw, iw), grass);
        float lw = (float) Math.max(0.8, 0.6 * b.p.scale());
        BasicStroke thin = new BasicStroke(lw);
        for (int k = 1; k < 4; k++) {
            double ll = l - 2 * lane * k / 4.0;
            double ww = w - 2 * lane * k / 4.0;
            b.detail(thin.createStrokedShape(new RoundRectangle2D.Double(-ll / 2, -ww / 2, ll, ww, ww, ww)),
                    new Color(235, 225, 220, 170));
        }
        double pl = il * 0.62;
        double pw = iw * 0.74;
        for (int k = 0; k < 6; k++) { // mowing stripes
            if (k % 2 == 0) {
                b.detail(new Rectangle2D.Double(-pl / 2 + k * pl / 6, -pw / 2, pl / 6, pw), shade(grass, 1.08));
            }
        }
        b.detail(thin.createStrokedShape(new Rectangle2D.Double(-pl / 2, -pw / 2, pl, pw)), LINE_WHITE);
        b.line(0, -pw / 2, 0, pw / 2, lw, LINE_WHITE);
        double cc = pw * 0.16;
        b.detail(thin.createStrokedShape(new Ellipse2D.Double(-cc, -cc, 2 * cc, 2 * cc)), LINE_WHITE);
    }

    /** @return the exact bounds of the shapes' flattened outlines */
    static Rectangle2D tightBounds(List<Part> parts) {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        double[] c = new double[6];
        for (Part part : parts) {
            // Java 17's Path2D bounds include curve control points; flattening gives the drawn extent.
            for (PathIterator it = part.shape().getPathIterator(null, 0.1); !it.isDone(); it.next()) {
                int type = it.currentSegment(c);
                if (type == PathIterator.SEG_MOVETO || type == PathIterator.SEG_LINETO) {
                    minX = Math.min(minX, c[0]);
                    minY = Math.min(minY, c[1]);
                    maxX = Math.max(maxX, c[0]);
                    maxY = Math.max(maxY, c[1]);
                }
            }
        }
        return new Rectangle2D.Double(minX, minY, maxX - minX, maxY - minY);
    }

    static Color shade(Color c, double f) {
        return new Color(clamp(c.getRed() * f), clamp(c.getGreen() * f), clamp(c.getBlue() * f), c.getAlpha());
    }

    static Color jitter(Color c, SplittableRandom rng, int amount) {
        return new Color(clamp(c.getRed() + rng.nextInt(-amount, amount + 1)),
                clamp(c.getGreen() + rng.nextInt(-amount, amount + 1)),
                clamp(c.getBlue() + rng.nextInt(-amount, amount + 1)));
    }

    static int clamp(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) (v + 0.5);
    }
}
