package io.rsground.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.config.ModelConfigs;
import io.rsground.config.VisionConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tower's operation count with CLIP's patch projection and with a convolutional stem, counted by hand. */
class FlopCountTest {

    @Test
    void aConvolutionalStemReplacesThePatchProjectionInTheCount() {
        VisionConfig clip = ModelConfigs.preset("tiny").vision();
        VisionConfig stem = clip.withConvStem(List.of(16, 32, 64, 128));
        // CLIP's projection: 64 patches x (3 x 16 x 16) inputs x 128 outputs, two operations per product
        double projection = 2.0 * 64 * 768 * 128;
        // the stem at 128 px: 3x3 convolutions to 64^2 x 16, 32^2 x 32, 16^2 x 64, 8^2 x 128, then 128 -> 128
        double convolutions = 2.0 * (64 * 64 * 16 * 3 * 9 + 32 * 32 * 32 * 16 * 9 + 16 * 16 * 64 * 32 * 9
                + 8 * 8 * 128 * 64 * 9) + 2.0 * 64 * 128 * 128;
        assertThat(convolutions).isEqualTo(33_947_648.0);
        assertThat(FlopCount.vision(stem) - FlopCount.vision(clip)).isCloseTo(convolutions - projection,
                within(1.0));
    }
}
