package io.rsground.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenRowsTest {
    @Test
    void usedLengthDropsOnlyTrailingPadding() {
        assertThat(TokenRows.usedLength(new long[] {49406, 320, 49407, 0, 0})).isEqualTo(3);
        assertThat(TokenRows.usedLength(new long[] {2, 0, 7, 3, 0})).isEqualTo(4); // id 0 inside is kept
        assertThat(TokenRows.usedLength(new long[] {2, 5, 3})).isEqualTo(3);
        assertThat(TokenRows.usedLength(new long[] {0, 0})).isZero();
    }
}
