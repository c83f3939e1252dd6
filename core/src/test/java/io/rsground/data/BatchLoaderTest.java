package io.rsground.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.box.Box;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.image.AugmentConfig;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Prepared;
import io.rsground.image.ReadOptions;
import io.rsground.image.SampleTransform;
import io.rsground.image.TrainTransform;
import io.rsground.text.TokenRows;
import io.rsground.text.Tokenizer;
import io.rsground.text.WordTokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {
    private static final int SIZE = 64;
    private static final int PATCH = 16;
    private static final int LENGTH = 40;

    @TempDir
    static Path dir;
    private static List<Sample> samples;
    private static Tokenizer tokenizer;
    private static final TrainTransform TRAIN =
            new TrainTransform(new AugmentConfig(SIZE, true, true, true, true, true));
    private static final EvalTransform EVAL = new EvalTransform(SIZE);

    @BeforeAll
    static void syntheticDataSet() throws IOException, DatasetException {
        SceneGenerator.generate(dir.resolve("synth"), 8, 256, 17, 1, ProgressListener.NONE);
        samples = DiorRsvgDataset.open(dir.resolve("synth"), null).allSamples();
        tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        assertThat(samples.size()).isGreaterThan(16);
    }

    private static BatchLoader.Builder loader(List<Sample> from, SampleTransform transform, int batch) {
        return BatchLoader.builder(from, transform, tokenizer).setBatchSize(batch).setPatchSize(PATCH)
                .setMaxQueryLength(LENGTH).optSeed(42);
    }

    private static List<Batch> all(BatchLoader loader, int epoch) {
        List<Batch> out = new ArrayList<>();
        try (BatchLoader.Epoch batches = loader.epoch(epoch)) {
            batches.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void theSameSeedGivesIdenticalBatchesWhateverTheNumberOfWorkers() {
        List<Batch> reference = all(loader(samples, TRAIN, 5).optWorkers(0).build(), 3);
        for (int workers : new int[] {1, 2, 3}) {
            List<Batch> other = all(loader(samples, TRAIN, 5).optWorkers(workers).build(), 3);
            assertThat(other).hasSameSizeAs(reference);
            for (int i = 0; i < reference.size(); i++) {
                Batch a = reference.get(i);
                Batch b = other.get(i);
                assertThat(b.sampleIndices()).as("%d workers, batch %d", workers, i).isEqualTo(a.sampleIndices());
                assertThat(b.pixels()).isEqualTo(a.pixels());
                assertThat(b.pixelMask()).isEqualTo(a.pixelMask());
                assertThat(b.patchMask()).isEqualTo(a.patchMask());
                assertThat(b.tokenLength()).isEqualTo(a.tokenLength());
                assertThat(b.tokens()).isEqualTo(a.tokens());
                assertThat(b.boxes()).isEqualTo(a.boxes());
            }
        }
        // each epoch is a permutation of all samples, a different one per epoch
        List<Integer> epoch3 = indices(reference);
        List<Integer> epoch4 = indices(all(loader(samples, TRAIN, 5).optWorkers(2).build(), 4));
        List<Integer> listed = samples.stream().map(Sample::index).toList();
        assertThat(epoch3).containsExactlyInAnyOrderElementsOf(listed).isNotEqualTo(listed);
        assertThat(epoch4).containsExactlyInAnyOrderElementsOf(listed).isNotEqualTo(epoch3);
    }

    private static List<Integer> indices(List<Batch> batches) {
        return batches.stream().flatMap(b -> Arrays.stream(b.sampleIndices()).boxed()).collect(Collectors.toList());
    }

    @Test
    void eachRowIsItsSamplesTransformTokensAndPatchMask() throws IOException {
        int epoch = 2;
        BatchLoader loader = loader(samples, TRAIN, 4).optWorkers(2).build();
        List<Batch> batches = all(loader, epoch);
        int[] order = loader.order(epoch);
        int position = 0;
        int plane = SIZE * SIZE;
        int patches = (SIZE / PATCH) * (SIZE / PATCH);
        for (Batch batch : batches) {
            assertThat(batch.imageSize()).isEqualTo(SIZE);
            assertThat(batch.patches()).isEqualTo(patches);
            int longest = 0;
            for (int row = 0; row < batch.size(); row++, position++) {
                Sample s = samples.get(order[position]);
                assertThat(batch.sampleIndices()[row]).isEqualTo(s.index());
                // the sample's own stream, independent of the batch it landed in
                Prepared p = TRAIN.apply(Images.read(s.imageFile()), s.box(), s.query(),
                        new SplittableRandom(BatchLoader.seedFor(42, epoch, s.index())));
                assertThat(Arrays.copyOfRange(batch.pixels(), row * 3 * plane, (row + 1) * 3 * plane))
                        .isEqualTo(p.pixels());
                assertThat(Arrays.copyOfRange(batch.pixelMask(), row * plane, (row + 1) * plane))
                        .isEqualTo(p.pixelMask());
                boolean[] patchMask = p.patchMask(PATCH);
                for (int k = 0; k < patches; k++) {
                    assertThat(batch.patchMask()[row * patches + k]).isEqualTo(patchMask[k] ? 1f : 0f);
                }
                for (int k = 0; k < 4; k++) {
                    assertThat(batch.boxes()[row * 4 + k]).isEqualTo((float) p.box()[k]);
                }
                long[] ids = tokenizer.encode(p.query(), LENGTH);
                int used = TokenRows.usedLength(ids);
                longest = Math.max(longest, used);
                long[] rowIds = Arrays.copyOfRange(batch.tokens(), row * batch.tokenLength(),
                        (row + 1) * batch.tokenLength());
                assertThat(rowIds).isEqualTo(Arrays.copyOf(ids, batch.tokenLength()));
            }
            assertThat(batch.tokenLength()).isEqualTo(longest).isLessThan(LENGTH);
        }
        assertThat(position).isEqualTo(samples.size());
    }

    @Test
    void evalBatchesKeepTheListOrderAndTheLastBatchIsSmallerOrDropped() {
        int n = samples.size();
        int batch = 5;
        assertThat(n % batch).isNotZero(); // otherwise pick another batch size
        List<Batch> kept = all(loader(samples, EVAL, batch).optShuffle(false).optWorkers(2).build(), 0);
        assertThat(indices(kept)).isEqualTo(samples.stream().map(Sample::index).toList());
        assertThat(kept).hasSize((n + batch - 1) / batch);
        assertThat(kept.get(kept.size() - 1).size()).isEqualTo(n % batch);
        BatchLoader dropping = loader(samples, EVAL, batch).optShuffle(false).optDropLast(true).optWorkers(2).build();
        List<Batch> dropped = all(dropping, 0);
        assertThat(dropped).hasSize(n / batch).hasSize(dropping.maxBatchesPerEpoch())
                .allSatisfy(b -> assertThat(b.size()).isEqualTo(batch));
        // eval batches are the eval transform, whatever the epoch
        assertThat(all(loader(samples, EVAL, batch).optShuffle(false).build(), 7).get(1).pixels())
                .isEqualTo(kept.get(1).pixels());
    }

    @Test
    void aTruncatedImageIsSkippedOnceAndItsBatchFilledFromTheNextSamples() throws Exception {
        Path root = dir.resolve("truncated");
        SceneGenerator.generate(root, 4, 128, 5, 1, ProgressListener.NONE);
        List<Sample> set = DiorRsvgDataset.open(root, null).allSamples();
        Path victim = set.get(0).imageFile();
        List<Integer> lost = set.stream().filter(s -> s.imageFile().equals(victim)).map(Sample::index).toList();
        List<Integer> good = set.stream().filter(s -> !s.imageFile().equals(victim)).map(Sample::index).toList();
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, Arrays.copyOf(bytes, bytes.length * 2 / 3)); // truncated after the check
        SkippedSamples skipped = new SkippedSamples();
        BatchLoader loader = loader(set, EVAL, 3).optShuffle(false).optWorkers(2).optSkipped(skipped).build();
        for (int epoch = 0; epoch < 2; epoch++) {
            List<Batch> batches = all(loader, epoch);
            assertThat(indices(batches)).isEqualTo(good);
            for (int i = 0; i < batches.size() - 1; i++) {
                assertThat(batches.get(i).size()).isEqualTo(3);
            }
            assertThat(skipped.count()).as("logged and counted once, epoch %d", epoch).isEqualTo(lost.size());
        }
        assertThat(skipped.reasons()).allSatisfy(r -> assertThat(r).contains(victim.getFileName().toString())
                .contains("truncated or corrupt"));
    }

    @Test
    void readOptionsReachTheDecoder() {
        SkippedSamples skipped = new SkippedSamples();
        List<Sample> few = samples.subList(0, 4);
        BatchLoader loader = loader(few, EVAL, 2).optReadOptions(ReadOptions.DEFAULT.withMaxPixels(100 * 100))
                .optSkipped(skipped).build();
        assertThat(all(loader, 0)).isEmpty();
        assertThat(skipped.count()).isEqualTo(4);
        assertThat(skipped.reasons().get(0)).contains("exceeds the limit of 10,000 pixels");
    }

    /** An eval transform that counts its calls, and can be held at a gate or made to fail. */
    private static final class Probe implements SampleTransform {
        final AtomicInteger calls = new AtomicInteger();
        volatile int failOn = -1;

        @Override
        public int imageSize() {
            return SIZE;
        }

        @Override
        public Prepared apply(BufferedImage image, Box boxPixels, String query, RandomGenerator rng) {
            int call = calls.incrementAndGet();
            if (call == failOn) {
                throw new ArithmeticException("probe failure on call " + call);
            }
            return EVAL.apply(image, boxPixels, query, rng);
        }
    }

    @Test
    void workersStayAtMostThePrefetchAheadOfTheConsumer() throws Exception {
        Probe probe = new Probe();
        BatchLoader loader = loader(samples, probe, 2).optWorkers(2).optShuffle(false).build();
        int ahead = loader.prefetchSamples();
        assertThat(ahead).isEqualTo(2 * 2 * 2).isLessThan(samples.size() - 4);
        try (BatchLoader.Epoch batches = loader.epoch(0)) {
            awaitCalls(probe, ahead);
            Thread.sleep(300); // room to run further ahead, if the bound were broken
            assertThat(probe.calls.get()).isEqualTo(ahead);
            batches.next(); // frees two places
            awaitCalls(probe, ahead + 2);
            Thread.sleep(300);
            assertThat(probe.calls.get()).isEqualTo(ahead + 2);
        }
    }

    private static void awaitCalls(Probe probe, int expected) throws InterruptedException {
        for (int i = 0; i < 1000 && probe.calls.get() < expected; i++) {
            Thread.sleep(10);
        }
        assertThat(probe.calls.get()).isEqualTo(expected);
    }

    @Test
    void closingMidEpochStopsTheWorkers() throws Exception {
        Probe probe = new Probe();
        BatchLoader loader = loader(samples, probe, 2).optWorkers(3).optShuffle(false).build();
        BatchLoader.Epoch batches = loader.epoch(9);
        batches.next();
        assertThat(loaderThreads(9)).isNotEmpty();
        batches.close();
        assertThat(loaderThreads(9)).isEmpty(); // close waits for them
        int calls = probe.calls.get();
        Thread.sleep(200);
        assertThat(probe.calls.get()).isEqualTo(calls).isLessThan(samples.size());
        assertThat(batches.hasNext()).isFalse();
        assertThatThrownBy(batches::next).isInstanceOf(java.util.NoSuchElementException.class);
        // a fully consumed epoch ends its threads by itself
        BatchLoader.Epoch whole = loader.epoch(10);
        whole.forEachRemaining(b -> { });
        assertThat(loaderThreads(10)).isEmpty();
    }

    private static List<String> loaderThreads(int epoch) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("batch-loader-e" + epoch + "-")).toList();
    }

    @Test
    void otherFailuresReachTheConsumerWithTheirCause() {
        for (int workers : new int[] {0, 2}) {
            Probe probe = new Probe();
            probe.failOn = 5;
            BatchLoader loader = loader(samples, probe, 2).optWorkers(workers).optShuffle(false).build();
            BatchLoader.Epoch batches = loader.epoch(11);
            assertThatThrownBy(() -> batches.forEachRemaining(b -> { }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("preparing sample").hasMessageContaining(".xml:")
                    .hasCauseInstanceOf(ArithmeticException.class)
                    .cause().hasMessage("probe failure on call 5");
            assertThat(loaderThreads(11)).isEmpty();
            assertThat(batches.hasNext()).isFalse();
        }
    }

    /** Counts how often images are prepared; otherwise the evaluation transform (or a random one). */
    private static final class CountingTransform implements SampleTransform {
        final AtomicInteger calls = new AtomicInteger();
        private final SampleTransform inner;

        CountingTransform(SampleTransform inner) {
            this.inner = inner;
        }

        @Override
        public int imageSize() {
            return inner.imageSize();
        }

        @Override
        public boolean deterministic() {
            return inner.deterministic();
        }

        @Override
        public Layout layout(int width, int height, Box boxPixels, String query) {
            return inner.layout(width, height, boxPixels, query);
        }

        @Override
        public Prepared apply(BufferedImage image, Box boxPixels, String query, RandomGenerator rng) {
            calls.incrementAndGet();
            return inner.apply(image, boxPixels, query, rng);
        }
    }

    @Test
    void samplesWhosePixelsAreNotWantedComeWithoutDecoding() {
        // the consumer keeps what it computed from even-numbered samples and wants their pixels no more
        List<Batch> reference = all(loader(samples, EVAL, 4).optWorkers(2).build(), 0);
        CountingTransform counting = new CountingTransform(EVAL);
        BatchLoader loader = loader(samples, counting, 4).optWorkers(2).optPixelsWanted(index -> index % 2 == 1)
                .build();
        List<Batch> batches = all(loader, 0);
        long odd = samples.stream().filter(s -> s.index() % 2 == 1).count();
        assertThat(odd).isBetween(1L, samples.size() - 1L);
        assertThat(counting.calls.get()).isEqualTo((int) odd);
        int plane = 3 * SIZE * SIZE;
        int patches = (SIZE / PATCH) * (SIZE / PATCH);
        for (int b = 0; b < reference.size(); b++) {
            Batch want = reference.get(b);
            Batch got = batches.get(b);
            assertThat(got.sampleIndices()).isEqualTo(want.sampleIndices());
            // box, tokens and patch mask as decoding gives them; pixels only where they are wanted
            assertThat(got.boxes()).isEqualTo(want.boxes());
            assertThat(got.tokens()).isEqualTo(want.tokens());
            assertThat(got.patchMask()).isEqualTo(want.patchMask());
            for (int i = 0; i < got.size(); i++) {
                float[] row = Arrays.copyOfRange(got.pixels(), i * plane, (i + 1) * plane);
                float[] decoded = Arrays.copyOfRange(want.pixels(), i * plane, (i + 1) * plane);
                if (got.sampleIndices()[i] % 2 == 1) {
                    assertThat(row).isEqualTo(decoded);
                } else {
                    assertThat(row).containsOnly(0f);
                    assertThat(decoded).as("the decoded image is not blank").isNotEqualTo(row);
                }
            }
        }
        assertThat(patches).isEqualTo(reference.get(0).patches());
    }

    @Test
    void aRandomTransformAlwaysDecodes() {
        // with augmentation every epoch prepares each image anew, whatever the consumer says
        CountingTransform counting = new CountingTransform(TRAIN);
        BatchLoader loader = loader(samples, counting, 4).optWorkers(1).optPixelsWanted(index -> false).build();
        all(loader, 0);
        all(loader, 1);
        assertThat(counting.calls.get()).isEqualTo(2 * samples.size());
        assertThat(TRAIN.deterministic()).isFalse();
        assertThat(EVAL.deterministic()).isTrue();
        assertThat(new TrainTransform(new AugmentConfig(SIZE, false, false, false, false, false)).deterministic())
                .as("colour jitter alone").isFalse();
        assertThat(new TrainTransform(new AugmentConfig(SIZE, false, false, false, false, false, false))
                .deterministic()).isTrue();
    }


    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> loader(samples, EVAL, 0).build()).hasMessageContaining("batch size must be >= 1");
        assertThatThrownBy(() -> loader(samples, EVAL, 2).setPatchSize(65).build())
                .hasMessageContaining("patch size must be in [1, 64]");
        assertThatThrownBy(() -> loader(samples, EVAL, 2).setMaxQueryLength(1).build())
                .hasMessageContaining("max query length must be >= 2");
        assertThatThrownBy(() -> loader(samples, EVAL, 2).optWorkers(-1).build()).hasMessageContaining("workers");
        assertThatThrownBy(() -> BatchLoader.builder(samples, new EvalTransform(50_000), tokenizer).setBatchSize(512)
                .setPatchSize(16).setMaxQueryLength(77).build()).hasMessageContaining("lower the batch size");
    }
}
