package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SparkSmokeTest {
    @Test
    void runs() {
        SparkSession s = SparkSession.builder().master("local[2]").appName("t").getOrCreate();
        try {
            assertThat(s.range(10).count()).isEqualTo(10);
            assertThat(s.read().json(s.createDataset(java.util.List.of("{\"a\":1}"), org.apache.spark.sql.Encoders.STRING())).count()).isEqualTo(1);
        } finally {
            s.stop();
        }
    }
}
