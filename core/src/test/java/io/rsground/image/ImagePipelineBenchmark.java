package io.rsground.image;

import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-thread throughput of the eval image path on an 800 x 800 JPEG (DIOR-RSVG's size). Prints
 * the best of several rounds in thread CPU time (the machine may be shared) and asserts nothing. Run with
 * {@code mvn -pl core test -Dtest=ImagePipelineBenchmark -Drsground.bench=true}.
 */
@EnabledIfSystemProperty(named = "rsground.bench", matches = "true")
class ImagePipelineBenchmark {
    private static final int ROUNDS = 8;
    private static final int PER_ROUND = 50;

    @Test
    void measure(@TempDir Path dir) throws IOException {
        BufferedImage source = Images.read(Fixtures.tiny("images/sample_0.png"));
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(source, "jpg", jpeg);
        Path file = dir.resolve("800.jpg");
        Files.write(file, jpeg.toByteArray());
        byte[] bgr = RgbConverter.bgrBytes(source);
        EvalTransform transform = new EvalTransform(224);

        double resize = best(() -> PilResize.resize(bgr, 800, 800, 3, 224, 224));
        double decodeFile = best(() -> Images.read(file));
        double decodeBytes = best(() -> Images.read(Files.readAllBytes(file), "800.jpg"));
        double evalTransform = best(() -> transform.apply(source));
        double both = best(() -> transform.apply(Images.read(file)));
        System.out.printf(Locale.ROOT, "PilResize 800x800 -> 224x224: %.2f ms = %.0f input megapixels/s%n",
                resize, 0.64 / resize * 1000);
        System.out.printf(Locale.ROOT, "JPEG 800x800 decode: %.2f ms from a path, %.2f ms from bytes read first%n",
                decodeFile, decodeBytes);
        System.out.printf(Locale.ROOT, "EvalTransform (resize, normalise, pad): %.2f ms%n", evalTransform);
        System.out.printf(Locale.ROOT, "decode + transform: %.2f ms = %.0f samples/s per thread%n", both, 1000 / both);
    }

    private interface Work {
        void run() throws IOException;
    }

    /**
     * @return the best round's mean CPU time of this thread per call, in ms (CPU time rather than
     *     wall time, so that other processes on a shared machine distort it less)
     */
    private static double best(Work work) throws IOException {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < PER_ROUND; i++) {
                work.run();
            }
            best = Math.min(best, (threads.getCurrentThreadCpuTime() - start) / 1e6 / PER_ROUND);
        }
        return best;
    }
}
