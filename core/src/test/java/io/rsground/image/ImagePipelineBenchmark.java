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
 * Throughput of the eval image path on an 800 x 800 JPEG (DIOR-RSVG's size); prints numbers and
 * asserts nothing. Run with {@code -Drsground.bench=true -Dtest=ImagePipelineBenchmark}.
 */
@EnabledIfSystemProperty(named = "rsground.bench", matches = "true")
class ImagePipelineBenchmark {

    @Test
    void measure(@TempDir Path dir) throws IOException {
        BufferedImage source = Images.read(Fixtures.tiny("images/sample_0.png"));
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(source, "jpg", jpeg);
        Path file = dir.resolve("800.jpg");
        Files.write(file, jpeg.toByteArray());
        byte[] bgr = RgbConverter.bgrBytes(source);
        EvalTransform transform = new EvalTransform(224);

        int n = 300;
        for (int round = 0; round < 2; round++) { // the first round warms up the JIT
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                PilResize.resize(bgr, 800, 800, 3, 224, 224);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Images.read(file);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                transform.apply(source);
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                transform.apply(Images.read(file));
            }
            long t4 = System.nanoTime();
            double resizeMs = (t1 - t0) / 1e6 / n;
            System.out.printf(Locale.ROOT,
                    "round %d: resize 800x800->224x224 %.2f ms (%.0f input MP/s); JPEG decode %.2f ms; "
                            + "eval transform %.2f ms; decode + transform %.2f ms = %.0f samples/s on one thread%n",
                    round, resizeMs, 0.64 / resizeMs * 1000, (t2 - t1) / 1e6 / n, (t3 - t2) / 1e6 / n,
                    (t4 - t3) / 1e6 / n, n / ((t4 - t3) / 1e9));
        }
    }
}
