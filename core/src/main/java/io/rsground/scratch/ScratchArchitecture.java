package io.rsground.scratch;

import io.rsground.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/** Architecture choices for towers trained from scratch. */
public final class ScratchArchitecture {
    private ScratchArchitecture() {
    }

    /**
     * The convolutional stem the demo gives an image tower trained from scratch: one 3x3 stride-2 convolution per
     * halving of the patch, channels doubling up to the tower's width (tiny: 16, 32, 64, 128; ViT-B/16: 96 ... 768).
     * It places objects on unseen images more precisely than CLIP's linear patch projection in the same minutes
     * (docs/experiments.md).
     *
     * @param tower the image tower
     * @return the stem's channels, or empty when the patch side is not a power of two (ViT-L/14 keeps CLIP's
     *     projection)
     */
    public static List<Integer> doublingStem(VisionConfig tower) {
        int convolutions = Integer.numberOfTrailingZeros(tower.patchSize());
        boolean powerOfTwo = Integer.bitCount(tower.patchSize()) == 1;
        if (convolutions == 0 || !powerOfTwo || tower.width() >> (convolutions - 1) < 1) {
            return List.of();
        }
        List<Integer> channels = new ArrayList<>();
        for (int i = convolutions - 1; i >= 0; i--) {
            channels.add(tower.width() >> i);
        }
        return channels;
    }
}
