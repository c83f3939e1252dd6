/**
 * Grounding on Spark: {@link io.rsground.spark.SparkGrounding#ground} turns rows of image + query (or queries) into
 * the same rows with their boxes ({@code results}) or an {@code error}, one output row per input row;
 * {@link io.rsground.spark.ModelSpec} says which model the executors load, once per JVM, from paths they can read;
 * {@link io.rsground.spark.GroundingJob} is the same as a {@code spark-submit} program (and behind
 * {@code rsground spark ground}). Spark is a provided dependency: a cluster brings its own.
 */
package io.rsground.spark;
