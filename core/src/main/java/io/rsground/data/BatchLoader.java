package io.rsground.data;

import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Prepared;
import io.rsground.image.ReadOptions;
import io.rsground.image.SampleTransform;
import io.rsground.image.TrainTransform;
import io.rsground.text.TokenRows;
import io.rsground.text.Tokenizer;
import io.rsground.util.Seeds;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

/**
 * Turns samples into {@link Batch}es for training or evaluation: decodes each image with
 * {@link Images}, applies a {@link SampleTransform} ({@link TrainTransform} for training,
 * {@link EvalTransform} for evaluation), tokenizes the (possibly changed) query, and stacks B
 * samples into row-major arrays, on worker threads ahead of the consumer.
 *
 * <p><b>Order and randomness.</b> Epoch {@code e} visits the samples in a permutation drawn from a
 * generator seeded from {@code (seed, e)} (the list order when shuffling is off). Sample
 * {@code s}'s transform draws from a generator seeded from {@code (seed, e, s.index())}. Each sample
 * is prepared on its own, and batches are assembled in visiting order, so the same seed gives
 * bit-identical batches whatever the number of workers.
 *
 * <p><b>Bad samples.</b> A sample whose image cannot be read (missing, truncated after the data
 * check, over the pixel limit of the {@link ReadOptions}) is recorded once in the
 * {@link SkippedSamples} (logged and counted) and left out, also in later epochs without reading
 * it again; its batch is filled from the next samples, so only the last batch of an epoch may come
 * out smaller (or be dropped with {@code dropLast}). Any other failure (a bug in a transform, say)
 * reaches the consumer as an {@link IllegalStateException} naming the sample, with the original
 * exception as its cause, and stops the epoch.
 *
 * <p><b>Threads and memory.</b> {@code numWorkers} daemon threads prepare samples; at most
 * {@code prefetchBatches x B} samples are claimed but not yet taken by the consumer (default
 * {@code prefetchBatches = 2 x numWorkers}): workers block, never run further ahead. With
 * {@code numWorkers = 0} every sample is prepared in the consumer's thread. Workers only touch
 * Java arrays (decoding, resizing, tokenizing), never the tensor engine, so they record no
 * autograd graph and hold no native memory. Close each {@link Epoch} (try-with-resources) to stop
 * its workers early; a fully consumed epoch stops them by itself. Loaders are immutable and
 * thread-safe; one epoch is consumed by one thread.
 *
 * <p><b>Samples whose pixels nobody needs.</b> With {@link Builder#optPixelsWanted}, a consumer that keeps what it
 * computes from an image (a frozen image tower's features) tells the loader which samples it no longer needs the
 * pixels of. When the transform is {@link SampleTransform#deterministic() deterministic}, such a sample comes
 * without decoding its image: the box, query and patch mask follow from the image's size in the annotation
 * ({@link SampleTransform#layout}), and its rows of {@link Batch#pixels()} and {@link Batch#pixelMask()} hold
 * zeros. Decoding is what the workers spend their time on, and on a
 * machine with few cores it takes that time from the consumer.
 */
public final class BatchLoader {
    /** Stream number of the shuffling generator; sample streams use the (non-negative) sample index. */
    private static final long SHUFFLE_STREAM = -1;

    private final List<Sample> samples;
    private final SampleTransform transform;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final int numWorkers;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;
    private final int patchSize;
    private final int maxQueryLength;
    private final int prefetchBatches;
    private final ReadOptions readOptions;
    private final SkippedSamples skipped;
    /** Positions in {@link #samples} whose image could not be read: skipped in every later epoch. */
    private final Set<Integer> unreadable = ConcurrentHashMap.newKeySet();
    /** Whether a sample (by global index) still needs its pixels; null: always. */
    private final IntPredicate pixelsWanted;
    /** Where each sample's absent-referent query comes from; null: the batches have none. */
    private final AbsentQueries absentQueries;

    private BatchLoader(Builder b) {
        this.samples = List.copyOf(b.samples);
        this.transform = b.transform;
        this.tokenizer = b.tokenizer;
        this.batchSize = b.batchSize;
        this.numWorkers = b.numWorkers;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.patchSize = b.patchSize;
        this.maxQueryLength = b.maxQueryLength;
        this.prefetchBatches = b.prefetchBatches > 0 ? b.prefetchBatches : 2 * Math.max(1, b.numWorkers);
        this.readOptions = b.readOptions;
        this.skipped = b.skipped;
        this.pixelsWanted = b.transform.deterministic() ? b.pixelsWanted : null;
        this.absentQueries = b.absentQueries;
    }

    /**
     * @param samples the samples to visit each epoch
     * @param transform how each image becomes model input
     * @param tokenizer how each query becomes ids
     * @return a builder; batch size, patch size and maximum query length must be set
     */
    public static Builder builder(List<Sample> samples, SampleTransform transform, Tokenizer tokenizer) {
        return new Builder(samples, transform, tokenizer);
    }

    /** @return the number of samples visited per epoch, bad ones included */
    public int sampleCount() {
        return samples.size();
    }

    /** @return B */
    public int batchSize() {
        return batchSize;
    }

    /** @return at most this many batches per epoch (fewer when samples are skipped) */
    public int maxBatchesPerEpoch() {
        int n = samples.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** @return the most samples prepared ahead of the consumer: prefetch batches times B */
    public int prefetchSamples() {
        return prefetchBatches * batchSize;
    }

    /** @return where bad samples are recorded */
    public SkippedSamples skipped() {
        return skipped;
    }

    /**
     * Starts an epoch: its worker threads begin preparing samples at once.
     *
     * @param epoch the epoch number (0-based), part of every seed
     * @return the batches of this epoch, in order; close it to stop early
     */
    public Epoch epoch(int epoch) {
        return new Epoch(epoch);
    }

    /**
     * @param epoch the epoch number
     * @return the order in which the epoch visits the samples: positions in the sample list
     */
    int[] order(int epoch) {
        int n = samples.size();
        if (shuffle) {
            return shuffled(n, seedFor(seed, epoch, SHUFFLE_STREAM));
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /**
     * @param n how many positions
     * @param seed the shuffle's seed
     * @return 0..n-1 in a Fisher-Yates order drawn from {@code SplittableRandom(seed)}
     */
    public static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The seed of one random stream: the SplitMix64 finaliser chained over the three numbers.
     *
     * @param seed the run's seed
     * @param epoch the epoch
     * @param stream the sample index, or {@value #SHUFFLE_STREAM} for the shuffle
     * @return a well-mixed 64-bit seed
     */
    static long seedFor(long seed, long epoch, long stream) {
        long h = Seeds.mix64(seed ^ 0x9E3779B97F4A7C15L);
        h = Seeds.mix64(h + 0x9E3779B97F4A7C15L * (epoch + 1));
        return Seeds.mix64(h + 0xD1B54A32D192ED03L * (stream + 2));
    }



    /** One sample ready to be stacked; pixels and pixelMask are null when they were not wanted. */
    private record Item(int sampleIndex, float[] pixels, byte[] pixelMask, float[] patchMask, long[] tokens,
            int usedLength, double[] box, long[] absentTokens) {
    }

    /** A sample that could not be prepared for a reason other than its image. */
    private record Failure(Sample sample, Throwable cause) {
    }

    /** Marks a left-out sample. */
    private static final Object SKIP = new Object();

    /** Prepares the sample at {@code position} of the list; never throws. */
    private Object prepare(int position, int epoch) {
        Sample sample = samples.get(position);
        try {
            if (unreadable.contains(position)) {
                return SKIP;
            }
            if (pixelsWanted != null && !pixelsWanted.test(sample.index())) {
                SampleTransform.Layout layout = transform.layout(sample.imageWidth(), sample.imageHeight(),
                        sample.box(), sample.query());
                if (layout != null) {
                    long[] tokens = tokenizer.encode(layout.query(), maxQueryLength);
                    return new Item(sample.index(), null, null, patchMask(layout.pixelMask()), tokens,
                            TokenRows.usedLength(tokens), layout.box(), absentTokens(sample, epoch));
                }
            }
            BufferedImage image;
            try {
                image = Images.read(sample.imageFile(), readOptions);
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return SKIP; // closing: the epoch's results are dropped, the image is not to blame
                }
                if (unreadable.add(position)) {
                    skipped.skip(sample, e);
                }
                return SKIP;
            }
            SplittableRandom rng = new SplittableRandom(seedFor(seed, epoch, sample.index()));
            Prepared p = transform.apply(image, sample.box(), sample.query(), rng);
            int size = transform.imageSize();
            if (p.size() != size) {
                throw new IllegalStateException("the transform returned a " + p.size() + " canvas, expected " + size);
            }
            long[] tokens = tokenizer.encode(p.query(), maxQueryLength);
            return new Item(sample.index(), p.pixels(), p.pixelMask(), patchMask(p.pixelMask()), tokens,
                    TokenRows.usedLength(tokens), p.box(), absentTokens(sample, epoch));
        } catch (RuntimeException | Error e) {
            return new Failure(sample, e);
        }
    }

    /** @return the ids of the sample's absent-referent query this epoch; null without one */
    private long[] absentTokens(Sample sample, int epoch) {
        if (absentQueries == null) {
            return null;
        }
        // its own stream, so that asking for negatives changes no augmentation
        String query = absentQueries.draw(sample, Seeds.mix64(seedFor(seed, epoch, sample.index()) ^ ABSENT_STREAM));
        return query == null ? null : tokenizer.encode(query, maxQueryLength);
    }

    private static final long ABSENT_STREAM = 0x5DEECE66DL;

    /** @return [P] 1 for padded patches, 0 on the image */
    private float[] patchMask(byte[] pixelMask) {
        boolean[] patches = EvalTransform.patchMask(pixelMask, transform.imageSize(), patchSize);
        float[] out = new float[patches.length];
        for (int i = 0; i < patches.length; i++) {
            out[i] = patches[i] ? 1f : 0f;
        }
        return out;
    }

    /** Stacks prepared samples into a batch. */
    private Batch stack(List<Item> items) {
        int b = items.size();
        int s = transform.imageSize();
        int plane = s * s;
        int patches = items.get(0).patchMask().length;
        int length = 1;
        for (Item item : items) {
            length = Math.max(length, item.usedLength());
        }
        float[] pixels = new float[b * 3 * plane];
        byte[] pixelMask = new byte[b * plane];
        float[] patchMask = new float[b * patches];
        long[] tokens = new long[b * length];
        float[] boxes = new float[b * 4];
        int[] indices = new int[b];
        for (int i = 0; i < b; i++) {
            Item item = items.get(i);
            if (item.pixels() != null) {
                System.arraycopy(item.pixels(), 0, pixels, i * 3 * plane, 3 * plane);
                System.arraycopy(item.pixelMask(), 0, pixelMask, i * plane, plane);
            }
            System.arraycopy(item.patchMask(), 0, patchMask, i * patches, patches);
            System.arraycopy(item.tokens(), 0, tokens, i * length, length);
            for (int k = 0; k < 4; k++) {
                boxes[i * 4 + k] = (float) item.box()[k];
            }
            indices[i] = item.sampleIndex();
        }
        return new Batch(b, s, pixels, pixelMask, patchMask, tokens, length, boxes, indices,
                absentQueries == null ? null : stackAbsent(items));
    }

    /** Stacks the items' absent-referent queries, cut to the longest; rows without one stay padding. */
    private static Batch.Absent stackAbsent(List<Item> items) {
        int length = 2;
        for (Item item : items) {
            if (item.absentTokens() != null) {
                length = Math.max(length, TokenRows.usedLength(item.absentTokens()));
            }
        }
        long[] tokens = new long[items.size() * length];
        float[] valid = new float[items.size()];
        for (int i = 0; i < items.size(); i++) {
            long[] t = items.get(i).absentTokens();
            if (t != null) {
                System.arraycopy(t, 0, tokens, i * length, length);
                valid[i] = 1;
            }
        }
        return new Batch.Absent(tokens, length, valid);
    }

    /**
     * The batches of one epoch, in order. Not thread-safe: one consumer thread calls
     * {@link #hasNext}, {@link #next} and {@link #close}.
     */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        /** Results of the positions in visiting order: an Item, SKIP or a Failure. */
        private final PrefetchRing prefetch;
        private Batch pending;
        private boolean exhausted;

        private Epoch(int epoch) {
            this.epoch = epoch;
            this.prefetch = new PrefetchRing(epoch, order(epoch), prefetchSamples(), numWorkers,
                    position -> prepare(position, epoch), result -> result instanceof Failure);
        }

        /** @return the epoch number */
        public int epoch() {
            return epoch;
        }

        /**
         * @return whether another batch follows; prepares it (waiting for the workers) to find out
         * @throws IllegalStateException when a sample failed for a reason other than its image (the
         *     cause is the original exception)
         */
        @Override
        public boolean hasNext() {
            if (pending == null && !exhausted && !prefetch.isClosed()) {
                pending = assemble();
                if (pending == null) {
                    exhausted = true;
                    close();
                }
            }
            return pending != null;
        }

        /**
         * @return the next batch: B samples, fewer only for the epoch's last batch when
         *     {@code dropLast} is off
         * @throws NoSuchElementException when the epoch is over or closed
         * @throws IllegalStateException as {@link #hasNext}
         */
        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no more batches");
            }
            Batch b = pending;
            pending = null;
            return b;
        }

        /** Stops the workers (waiting for the samples they are preparing) and drops what they prepared. */
        @Override
        public void close() {
            pending = null;
            prefetch.close();
        }

        private Batch assemble() {
            List<Item> items = new ArrayList<>(batchSize);
            while (items.size() < batchSize) {
                Object result = prefetch.take();
                if (result == null) {
                    break; // end of the epoch
                }
                if (result == SKIP) {
                    continue;
                }
                if (result instanceof Failure f) {
                    close();
                    throw new IllegalStateException("epoch " + epoch + ": preparing sample " + f.sample().index()
                            + " (" + f.sample().origin() + ", image " + f.sample().imageFile() + ") failed: "
                            + f.cause(), f.cause());
                }
                items.add((Item) result);
            }
            if (items.isEmpty() || dropLast && items.size() < batchSize) {
                return null;
            }
            return stack(items);
        }
    }

    /** Collects the loader's settings; {@code setX} values are required, {@code optX} have defaults. */
    public static final class Builder {
        private final List<Sample> samples;
        private final SampleTransform transform;
        private final Tokenizer tokenizer;
        private int batchSize;
        private int patchSize;
        private int maxQueryLength;
        private int numWorkers;
        private long seed;
        private boolean shuffle = true;
        private boolean dropLast;
        private int prefetchBatches;
        private ReadOptions readOptions = ReadOptions.DEFAULT;
        private SkippedSamples skipped = new SkippedSamples();
        private AbsentQueries absentQueries;
        private IntPredicate pixelsWanted;

        private Builder(List<Sample> samples, SampleTransform transform, Tokenizer tokenizer) {
            this.samples = Objects.requireNonNull(samples, "samples");
            this.transform = Objects.requireNonNull(transform, "transform");
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        }

        /**
         * @param value B, samples per batch, {@code >= 1}
         * @return this builder
         */
        public Builder setBatchSize(int value) {
            this.batchSize = value;
            return this;
        }

        /**
         * @param value the vision tower's patch size (16 for ViT-B/16), for the [B, P] patch mask
         * @return this builder
         */
        public Builder setPatchSize(int value) {
            this.patchSize = value;
            return this;
        }

        /**
         * @param value the token row length before trimming (max_query_len, 77 for CLIP), {@code >= 2}
         * @return this builder
         */
        public Builder setMaxQueryLength(int value) {
            this.maxQueryLength = value;
            return this;
        }

        /**
         * @param value worker threads, {@code >= 0}; 0 prepares in the consumer's thread (default)
         * @return this builder
         */
        public Builder optWorkers(int value) {
            this.numWorkers = value;
            return this;
        }

        /**
         * @param value the seed of the shuffle and of every sample's augmentation (default 0)
         * @return this builder
         */
        public Builder optSeed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * @param value whether each epoch visits the samples in a new random order (default true;
         *     turn it off for evaluation)
         * @return this builder
         */
        public Builder optShuffle(boolean value) {
            this.shuffle = value;
            return this;
        }

        /**
         * @param value whether an epoch's last batch is dropped when it has fewer than B samples
         *     (default false)
         * @return this builder
         */
        public Builder optDropLast(boolean value) {
            this.dropLast = value;
            return this;
        }

        /**
         * @param value batches prepared ahead of the consumer at most, {@code >= 1} (default
         *     {@code 2 x max(1, workers)})
         * @return this builder
         */
        public Builder optPrefetchBatches(int value) {
            this.prefetchBatches = value;
            return this;
        }

        /**
         * @param value how images are decoded: pixel limit, bands (default {@link ReadOptions#DEFAULT})
         * @return this builder
         */
        public Builder optReadOptions(ReadOptions value) {
            this.readOptions = Objects.requireNonNull(value, "readOptions");
            return this;
        }

        /**
         * @param value where bad samples are recorded (default a new one, see {@link BatchLoader#skipped})
         * @return this builder
         */
        public Builder optSkipped(SkippedSamples value) {
            this.skipped = Objects.requireNonNull(value, "skipped");
            return this;
        }

        /**
         * @param value asked, on a worker thread, before each sample is prepared: whether its pixels are still
         *     needed (by the sample's global index); a sample that is not comes without them (zeros in its pixel
         *     rows) and without decoding its image. Only applies when the transform is deterministic. Default:
         *     always needed.
         * @return this builder
         */
        public Builder optPixelsWanted(IntPredicate value) {
            this.pixelsWanted = value;
            return this;
        }

        /**
         * @param value gives every sample a query whose referent is not in its image, drawn afresh each epoch from
         *     the sample's own random stream (see {@link Batch#absent}); default none
         * @return this builder
         */
        public Builder optAbsentQueries(AbsentQueries value) {
            this.absentQueries = value;
            return this;
        }

        /**
         * @return the loader
         * @throws IllegalArgumentException naming the first setting out of range
         */
        public BatchLoader build() {
            int size = transform.imageSize();
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (patchSize < 1 || patchSize > size) {
                throw new IllegalArgumentException("patch size must be in [1, " + size + "] (the image size), got "
                        + patchSize);
            }
            if (maxQueryLength < 2) {
                throw new IllegalArgumentException("max query length must be >= 2 (start and end tokens), got "
                        + maxQueryLength);
            }
            if (numWorkers < 0) {
                throw new IllegalArgumentException("workers must be >= 0, got " + numWorkers);
            }
            if (prefetchBatches < 0) {
                throw new IllegalArgumentException("prefetch batches must be >= 1, got " + prefetchBatches);
            }
            long floatsPerBatch = (long) batchSize * 3 * size * size;
            if (floatsPerBatch > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a batch of " + batchSize + " images of " + size + " x " + size
                        + " needs " + floatsPerBatch + " floats, more than one Java array holds; lower the batch size");
            }
            int prefetch = prefetchBatches > 0 ? prefetchBatches : 2 * Math.max(1, numWorkers);
            if ((long) prefetch * batchSize > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("prefetching " + prefetch + " batches of " + batchSize
                        + " is too many samples");
            }
            return new BatchLoader(this);
        }
    }
}
