package io.rsground.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The CLIP ViT image tower.
 *
 * @param imageSize side of the square input in pixels (224 for the CLIP releases)
 * @param patchSize side of a patch (16, 32 or 14)
 * @param width token width
 * @param layers residual attention blocks
 * @param heads attention heads
 * @param extractLayers 0-based blocks whose outputs are concatenated into the multi-level feature
 * @param convStem output channels of the 3x3 stride-2 convolutions that replace CLIP's patch projection when not
 *     empty (each halves the side, so there are log2(patch_size) of them), a 1x1 projection to {@code width} after
 *     them: not CLIP's (its weights have no such layers), for towers trained from scratch, where a convolutional
 *     stem learns to place objects within a patch several times faster than one linear map of its pixels
 */
public record VisionConfig(
        @JsonProperty("image_size") int imageSize,
        @JsonProperty("patch_size") int patchSize,
        @JsonProperty("width") int width,
        @JsonProperty("layers") int layers,
        @JsonProperty("heads") int heads,
        @JsonProperty("extract_layers") List<Integer> extractLayers,
        @JsonProperty("conv_stem") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> convStem) {

    public VisionConfig {
        extractLayers = extractLayers == null ? null : List.copyOf(extractLayers);
        convStem = convStem == null ? List.of() : List.copyOf(convStem);
    }

    /** @return the same tower with a convolutional stem of these channels (empty: CLIP's patch projection) */
    public VisionConfig withConvStem(List<Integer> channels) {
        return new VisionConfig(imageSize, patchSize, width, layers, heads, extractLayers, channels);
    }

    /** @return the same tower with another input side */
    public VisionConfig withImageSize(int side) {
        return new VisionConfig(side, patchSize, width, layers, heads, extractLayers, convStem);
    }

    /** @return patches along one side of the image */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** @return image patches, without the class token */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** @return the width of the concatenated multi-level feature, {@code width * extractLayers.size()} */
    public int multiLevelWidth() {
        return width * extractLayers.size();
    }

    void validate() {
        Checks.positive("vision.image_size", imageSize);
        Checks.positive("vision.patch_size", patchSize);
        Checks.positive("vision.width", width);
        Checks.positive("vision.layers", layers);
        Checks.positive("vision.heads", heads);
        if (imageSize % patchSize != 0) {
            throw new ConfigException("vision.image_size " + imageSize + " is not divisible by vision.patch_size "
                    + patchSize);
        }
        Checks.divisible("vision.width", width, "vision.heads", heads);
        if (extractLayers == null || extractLayers.isEmpty()) {
            throw new ConfigException("vision.extract_layers must list at least one layer, got " + extractLayers);
        }
        int previous = -1;
        for (int layer : extractLayers) {
            if (layer < 0 || layer >= layers) {
                throw new ConfigException("vision.extract_layers holds " + layer + ", outside 0.." + (layers - 1)
                        + " (vision.layers = " + layers + ")");
            }
            if (layer <= previous) {
                throw new ConfigException("vision.extract_layers must be strictly increasing, got " + extractLayers);
            }
            previous = layer;
        }
        if (!convStem.isEmpty()) {
            if (1 << convStem.size() != patchSize) {
                throw new ConfigException("vision.conv_stem has " + convStem.size() + " stride-2 convolutions, which"
                        + " make patches of " + (1 << convStem.size()) + " px, but vision.patch_size is " + patchSize
                        + "; it needs log2(patch_size) of them");
            }
            for (int channels : convStem) {
                if (channels <= 0) {
                    throw new ConfigException("vision.conv_stem channels must be positive, got " + convStem);
                }
            }
        }
    }
}
