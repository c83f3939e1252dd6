package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelLoader;
import io.rsground.testing.TrainedPresenceModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The presence term teaches the head to tell a query whose object is in the image from one whose object is not, on
 * a few synthetic scenes; the trained head's score comes out the same through evaluation and through a checkpoint
 * loaded into a {@link Grounder}.
 */
class PresenceTermTest {

    @Test
    void theHeadLearnsWhichQueriesHaveTheirObjectInTheImage() {
        TrainedPresenceModel t = TrainedPresenceModel.get();
        System.out.printf("presence: %d + %d queries, train accuracy %.3f -> %.3f, AUROC %.3f -> %.3f%n",
                t.samples().size(), t.twins().size(), t.firstAccuracy(), t.lastAccuracy(), t.before().auroc(),
                t.after().auroc());
        assertThat(t.twins().size()).isGreaterThan(t.samples().size() * 3 / 4);
        assertThat(t.after().auroc()).isGreaterThan(0.9).isGreaterThan(t.before().auroc());
        assertThat(t.lastAccuracy()).isGreaterThan(0.8);
    }

    @Test
    void aCheckpointWithTheHeadGivesTheSameScores() throws Exception {
        TrainedPresenceModel t = TrainedPresenceModel.get();
        try (Grounder g = new Grounder(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())), 0)) {
            assertThat(g.hasPresenceHead()).isTrue();
            assertThat(g.loaded().trainingScale()).isEqualTo(256);
            List<GroundingResult> r = g.ground(Images.read(t.samples().get(0).imageFile()),
                    List.of(t.samples().get(0).query(), t.twins().get(0).query()));
            for (int i = 0; i < 2; i++) {
                assertThat(r.get(i).score()).isBetween(0.0, 1.0)
                        .isCloseTo(t.direct().predictions().get(i).score(), within(1e-4));
            }
        }
    }
}
