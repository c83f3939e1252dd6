package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The eval transform against the reference's own preprocessed batch (clipvg-tiny
 * expected.safetensors): pixels, pixel masks, patch masks, ground-truth boxes, and predictions
 * mapped back to pixels.
 */
class EvalTransformFixtureTest {
    private static final int SIZE = 224;
    private static final int PATCH = 16;
    private static final int PLANE = 3 * SIZE * SIZE;

    private static float[] images;
    private static int[] pixelMasks;
    private static float[] gtBoxes;
    private static int[] visualMasks;
    private static float[] predBoxes;
    private static JsonNode samples;
    private static final List<Preprocessed> prepared = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                InputStream in = Files.newInputStream(Fixtures.tiny("expected.safetensors"))) {
            NDList list = NDList.decode(manager, in);
            images = named(list, "images").toFloatArray();
            pixelMasks = named(list, "pixel_masks").toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
            gtBoxes = named(list, "gt_boxes").toFloatArray();
            visualMasks = named(list, "visual_masks").toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
            predBoxes = named(list, "pred_boxes").toFloatArray();
        }
        samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        EvalTransform transform = new EvalTransform(SIZE);
        for (JsonNode sample : samples) {
            BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve(sample.get("image").asText()));
            assertThat(image.getWidth()).isEqualTo(sample.get("width").asInt());
            assertThat(image.getHeight()).isEqualTo(sample.get("height").asInt());
            prepared.add(transform.apply(image));
        }
    }

    private static NDArray named(NDList list, String name) {
        NDArray array = list.get(name);
        assertThat(array).as("tensor %s in expected.safetensors", name).isNotNull();
        return array;
    }

    @Test
    void pixelsMatchTheReference() {
        StringBuilder report = new StringBuilder();
        for (int s = 0; s < samples.size(); s++) {
            float[] ours = prepared.get(s).pixels();
            double sum = 0;
            double max = 0;
            for (int i = 0; i < PLANE; i++) {
                double d = Math.abs(ours[i] - images[s * PLANE + i]);
                sum += d;
                max = Math.max(max, d);
            }
            double mean = sum / PLANE;
            String image = samples.get(s).get("image").asText();
            report.append(String.format(Locale.ROOT, "%s: mean |diff| %.3e, max |diff| %.3e%n", image, mean, max));
            if (image.endsWith(".png")) {
                // the budget is mean 0.01 / max 0.1, but the resize is bit-exact and the float32
                // normalisation follows torch's order, so any difference at all is a regression
                assertThat(max).as("max |diff| for %s", image).isLessThanOrEqualTo(1e-6);
            } else {
                // a different JPEG decoder than PIL's may round the IDCT differently: looser
                assertThat(mean).as("mean |diff| for %s", image).isLessThanOrEqualTo(0.01);
                assertThat(max).as("max |diff| for %s", image).isLessThanOrEqualTo(0.5);
            }
        }
        System.out.print(report);
    }

    @Test
    void pixelMasksMatchExactly() {
        for (int s = 0; s < samples.size(); s++) {
            byte[] ours = prepared.get(s).pixelMask();
            for (int i = 0; i < SIZE * SIZE; i++) {
                assertThat((int) ours[i]).as("sample %d mask at %d", s, i).isEqualTo(pixelMasks[s * SIZE * SIZE + i]);
            }
        }
    }

    @Test
    void patchMasksMatchExactly() {
        int n = (SIZE / PATCH) * (SIZE / PATCH);
        for (int s = 0; s < samples.size(); s++) {
            boolean[] ours = prepared.get(s).patchMask(PATCH);
            // also from the reference's own pixel mask, to test patchMask on its own
            byte[] reference = new byte[SIZE * SIZE];
            for (int i = 0; i < reference.length; i++) {
                reference[i] = (byte) pixelMasks[s * SIZE * SIZE + i];
            }
            boolean[] fromReference = EvalTransform.patchMask(reference, SIZE, PATCH);
            for (int i = 0; i < n; i++) {
                boolean expected = visualMasks[s * n + i] != 0;
                assertThat(ours[i]).as("sample %d patch %d", s, i).isEqualTo(expected);
                assertThat(fromReference[i]).as("sample %d patch %d from the reference mask", s, i).isEqualTo(expected);
            }
        }
    }

    @Test
    void groundTruthBoxesNormaliseLikeTheReference() {
        double worst = 0;
        for (int s = 0; s < samples.size(); s++) {
            double[] ours = prepared.get(s).toNormalizedCxcywh(Box.fromXyxy(xyxy(samples.get(s).get("box_xyxy"))));
            for (int k = 0; k < 4; k++) {
                assertThat(ours[k]).as("sample %d gt box value %d", s, k).isCloseTo(gtBoxes[s * 4 + k], within(1e-6));
                worst = Math.max(worst, Math.abs(ours[k] - gtBoxes[s * 4 + k]));
            }
        }
        System.out.printf(Locale.ROOT, "gt box normalisation: max |diff| %.3e%n", worst);
    }

    @Test
    void predictionsMapBackToTheReferencePixelBoxes() {
        double worst = 0;
        for (int s = 0; s < samples.size(); s++) {
            Box ours = prepared.get(s).fromNormalizedCxcywh(predBoxes[s * 4], predBoxes[s * 4 + 1],
                    predBoxes[s * 4 + 2], predBoxes[s * 4 + 3]);
            double[] expected = xyxy(samples.get(s).get("pred_box_xyxy"));
            double[] actual = ours.toXyxy();
            for (int k = 0; k < 4; k++) {
                // the reference computed in float32 on 224-pixel coordinates: about 1e-4 pixel
                assertThat(actual[k]).as("sample %d predicted corner %d", s, k).isCloseTo(expected[k], within(1e-3));
                worst = Math.max(worst, Math.abs(actual[k] - expected[k]));
            }
        }
        System.out.printf(Locale.ROOT, "predictions mapped back to pixels: max |diff| %.3e px%n", worst);
    }

    @Test
    void boxMappingRoundTrips() {
        for (int s = 0; s < samples.size(); s++) {
            Preprocessed p = prepared.get(s);
            Box original = Box.fromXyxy(xyxy(samples.get(s).get("box_xyxy")));
            double[] target = p.toNormalizedCxcywh(original);
            Box back = p.fromNormalizedCxcywh(target[0], target[1], target[2], target[3]);
            assertThat(back.x1()).isCloseTo(original.x1(), within(1e-9));
            assertThat(back.y1()).isCloseTo(original.y1(), within(1e-9));
            assertThat(back.x2()).isCloseTo(original.x2(), within(1e-9));
            assertThat(back.y2()).isCloseTo(original.y2(), within(1e-9));
        }
    }

    private static double[] xyxy(JsonNode node) {
        double[] values = new double[4];
        for (int k = 0; k < 4; k++) {
            values[k] = node.get(k).asDouble();
        }
        return values;
    }

    static Path fixtureImage(int sample) {
        return Fixtures.clipvgTiny().resolve(samples.get(sample).get("image").asText());
    }
}
