package io.rsground;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class DjlSmokeTest {
    @Test
    void matmulRuns() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new ai.djl.ndarray.types.Shape(2, 3));
            NDArray b = m.ones(new ai.djl.ndarray.types.Shape(3, 4));
            assertThat(a.matMul(b).getFloat(0, 0)).isEqualTo(3f);
        }
    }
}
