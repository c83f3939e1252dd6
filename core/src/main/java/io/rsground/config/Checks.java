package io.rsground.config;

/** Argument checks whose messages name the field and the values. */
final class Checks {
    private Checks() {
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new ConfigException(field + " must be positive, got " + value);
        }
    }

    static void divisible(String field, int value, String byField, int by) {
        if (value % by != 0) {
            throw new ConfigException(field + " " + value + " is not divisible by " + by + " " + byField.replaceFirst(
                    "^.*\\.", "") + " (" + byField + ")");
        }
    }

    static void required(String field, Object value) {
        if (value == null) {
            throw new ConfigException("missing required field '" + field + "'");
        }
    }

    static void atLeast(String field, int value, int least) {
        if (value < least) {
            throw new ConfigException(field + " must be at least " + least + ", got " + value);
        }
    }

    static void notNegative(String field, double value) {
        if (!(value >= 0)) {
            throw new ConfigException(field + " must not be negative, got " + value);
        }
    }

    static void notNegative(String field, int value) {
        if (value < 0) {
            throw new ConfigException(field + " must not be negative, got " + value);
        }
    }
}
