/**
 * Tokenizers: text query -> fixed-length id row for the text tower.
 *
 * <ul>
 *   <li>{@link io.rsground.text.Tokenizer}: the contract ({@code [SOT] + tokens + [EOT]}, zero padded,
 *       truncated to keep EOT last; the model's text mask is {@code id > 0}).</li>
 *   <li>{@link io.rsground.text.ClipBpeTokenizer}: OpenAI CLIP's BPE, id for id as the reference,
 *       from {@code bpe_simple_vocab_16e6.txt.gz} or Hugging Face {@code vocab.json} + {@code merges.txt}.</li>
 *   <li>{@link io.rsground.text.WordTokenizer}: word-level vocabulary built from training queries,
 *       for text towers trained from scratch.</li>
 *   <li>{@link io.rsground.text.TokenizerSpec} and {@link io.rsground.text.Tokenizers}: what a
 *       checkpoint stores, and rebuilding a tokenizer from it or from user-given files.</li>
 * </ul>
 */
package io.rsground.text;
