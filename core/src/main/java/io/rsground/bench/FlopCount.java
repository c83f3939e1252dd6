package io.rsground.bench;

import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.TextConfig;
import io.rsground.config.VisionConfig;

/**
 * Analytic floating-point operations of a CLIP-VG forward pass, counting a multiply-add as two operations and
 * only the matrix products (normalisations, activations and softmax are a few percent and are left out).
 */
public final class FlopCount {
    private FlopCount() {
    }

    /**
     * @param config the architecture
     * @param textLength text positions actually computed (after trimming padding)
     * @param patchesKept image patches fed to the fusion encoder
     * @return operations of one sample's forward pass
     */
    public static double forward(ModelConfig config, int textLength, int patchesKept) {
        return vision(config.vision()) + text(config.text(), config.embedDim(), textLength)
                + fusion(config, textLength, patchesKept);
    }

    /** @return operations of the image tower for one image (up to the last extracted layer) */
    public static double vision(VisionConfig v) {
        double t = v.numPatches() + 1;
        double w = v.width();
        int layers = v.extractLayers().get(v.extractLayers().size() - 1) + 1;
        return patchEmbedding(v) + layers * block(t, w, 4 * w);
    }

    /** @return operations that turn one image into patch tokens: CLIP's projection, or the convolutional stem */
    static double patchEmbedding(VisionConfig v) {
        if (v.convStem().isEmpty()) {
            return 2.0 * v.numPatches() * 3 * v.patchSize() * v.patchSize() * v.width();
        }
        double ops = 0;
        double side = v.imageSize();
        double in = 3;
        for (int out : v.convStem()) {
            side /= 2;
            ops += 2.0 * side * side * out * in * 9;
            in = out;
        }
        return ops + 2.0 * v.numPatches() * in * v.width();
    }

    /** @return operations of the text tower for one query of the given length */
    public static double text(TextConfig c, int embedDim, int length) {
        return c.layers() * block(length, c.width(), 4.0 * c.width()) + 2.0 * length * c.width() * embedDim;
    }

    /** @return operations of the projections, the fusion encoder and the head for one pair */
    public static double fusion(ModelConfig c, int textLength, int patchesKept) {
        FusionConfig f = c.fusion();
        double h = f.hiddenDim();
        double n = 1 + textLength + 1 + patchesKept;
        double projections = 2.0 * (patchesKept + 1) * c.vision().multiLevelWidth() * h
                + 2.0 * textLength * c.embedDim() * h;
        double head = 2.0 * (h * h * 2 + h * 4);
        return projections + f.layers() * block(n, h, f.ffnDim()) + head;
    }

    /** One transformer layer over t tokens of width w with feed-forward width f: projections, attention, MLP. */
    static double block(double t, double w, double f) {
        return 2 * t * w * 3 * w + 4 * t * t * w + 2 * t * w * w + 4 * t * w * f;
    }
}
