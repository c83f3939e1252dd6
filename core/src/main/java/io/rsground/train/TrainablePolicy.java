package io.rsground.train;

import io.rsground.model.ClipVgModel;

/** Which parameters a run trains. */
public enum TrainablePolicy {
    /** Everything: the choice when training from scratch. */
    ALL,
    /** The reference's recipe with pretrained CLIP: CLIP frozen except the visual positional embedding. */
    FREEZE_CLIP,
    /** CLIP frozen entirely: no gradient flows into the image tower at all. */
    FREEZE_CLIP_FULLY,
    /**
     * The image tower frozen entirely, the text tower and the rest trained: the second stage of the staged recipe,
     * after the image tower learned to see (the from-scratch wing's vision pre-training).
     */
    FREEZE_VISION;

    /**
     * @param name a setting of {@code optim.trainable}: auto, all, freeze_clip, freeze_clip_fully, freeze_vision
     * @param pretrained whether the run starts from pretrained weights (auto freezes CLIP then, as the reference)
     * @return the policy
     */
    public static TrainablePolicy of(String name, boolean pretrained) {
        return switch (name) {
            case "auto" -> pretrained ? FREEZE_CLIP : ALL;
            case "all" -> ALL;
            case "freeze_clip" -> FREEZE_CLIP;
            case "freeze_clip_fully" -> FREEZE_CLIP_FULLY;
            case "freeze_vision" -> FREEZE_VISION;
            default -> throw new IllegalArgumentException("unknown trainable setting '" + name + "'");
        };
    }

    /** @return true when no parameter of the image tower is trained, so its output can be computed once per image */
    public boolean freezesVision() {
        return this == FREEZE_CLIP_FULLY || this == FREEZE_VISION;
    }

    /** @return whether a parameter of this name is trained under the policy */
    public boolean trains(String name) {
        return switch (this) {
            case ALL -> true;
            case FREEZE_CLIP -> !ClipVgModel.isClipParameter(name)
                    || name.equals(ClipVgModel.visualPositionalEmbeddingName());
            case FREEZE_CLIP_FULLY -> !ClipVgModel.isClipParameter(name);
            case FREEZE_VISION -> !ClipVgModel.isVisionParameter(name);
        };
    }
}
