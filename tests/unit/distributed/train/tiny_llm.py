"""A tiny Llama (hidden 32, 2 layers), its word-level tokenizer and a 24-example instruction set, made here: no
network. The weights are drawn wider than Llama's usual 0.02 so that LoRA on the linear layers alone (the head
and embeddings frozen) can move the loss within 20 steps."""

import json

import pytest

COLOURS = ["red", "green", "blue", "yellow", "black", "white", "orange", "purple"]
THINGS = ["apple", "grass", "sky", "sun", "night", "snow", "carrot", "plum", "leaf", "sea", "coal", "milk"]


def tiny_records() -> list[dict]:
    """Both shapes: instruction/response, and Alpaca's instruction/input/output."""
    records = []
    for index, thing in enumerate(THINGS):
        records.append({"instruction": f"What colour is the {thing}?",
                        "response": f"The {thing} is {COLOURS[index % len(COLOURS)]}."})
        records.append({"instruction": "Repeat the word.", "input": thing, "output": f"{thing} {thing} {thing}"})
    return records


def tiny_tokenizer(records: list[dict]):
    """A PreTrainedTokenizerFast over a word-level vocabulary of every word of the prompts and responses; it adds
    <s> in front, as Llama's does."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    from distributed.train.instruct_data import normalise, prompt_of

    split = pre_tokenizers.Whitespace()
    texts = [text for r in records for text in (prompt_of(normalise(r, "")), normalise(r, "")["response"])]
    words = sorted({word for text in texts for word, _ in split.pre_tokenize_str(text)})
    vocab = {token: index for index, token in enumerate(["<pad>", "<s>", "</s>", "<unk>", *words])}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = split
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>")


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory):
    """{"model": folder with config, weights and tokenizer, "dataset": JSONL file}."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    records = tiny_records()
    dataset = folder / "data.jsonl"
    dataset.write_text("".join(json.dumps(record) + "\n" for record in records))
    tokenizer = tiny_tokenizer(records)
    tokenizer.save_pretrained(folder / "model")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         initializer_range=0.3, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder / "model")
    return {"model": folder / "model", "dataset": dataset}
