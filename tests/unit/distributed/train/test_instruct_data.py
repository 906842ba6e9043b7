"""Instruction data: the formats read, the prompt masked out of the labels, batches a pure function of
(seed, step, rank) that walk the data epoch by epoch."""

import json

import pytest
import torch
from tiny_llm import tiny_records, tiny_tokenizer

from distributed.train import instruct_data
from distributed.train.instruct_data import IGNORE, InstructBatches, encode, load_records, normalise, prompt_of


def test_jsonl_and_alpaca_json_records(tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"instruction": "Say hi.", "response": "hi"}\n\n'
                     '{"instruction": "Add.", "input": "1 2", "output": "3", "extra": 1}\n')
    assert load_records(str(jsonl)) == [{"instruction": "Say hi.", "input": "", "response": "hi"},
                                        {"instruction": "Add.", "input": "1 2", "response": "3"}]
    alpaca = tmp_path / "alpaca_data.json"
    alpaca.write_text(json.dumps([{"instruction": "Say hi.", "input": "", "output": "hi"}]))
    assert load_records(str(alpaca)) == [{"instruction": "Say hi.", "input": "", "response": "hi"}]
    # A folder: its JSONL files (a JSON array file is read only where there is no JSONL).
    assert len(load_records(str(tmp_path))) == 2
    (tmp_path / "a.jsonl").unlink()
    (tmp_path / "dataset_infos.json").write_text("{}")  # not an array: not data
    assert len(load_records(str(tmp_path))) == 1


@pytest.mark.parametrize("line, message", [
    ('{"instruction": "x"}', 'needs "instruction" and "response"'),
    ('{"response": "x"}', 'needs "instruction"'),
    ('{"instruction": "x", "output": "y", "input": 3}', '"input" must be a string'),
    ("[1]", "expected an object"),
    ("{not json", "bad.jsonl:2: not JSON"),
])
def test_bad_records_name_their_line(tmp_path, line, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "ok", "response": "ok"}\n' + line + "\n")
    with pytest.raises(ValueError, match=message):
        load_records(str(bad))


def test_sources_that_are_not_there(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_records(str(tmp_path / "missing.jsonl"))
    with pytest.raises(FileNotFoundError):
        load_records("data/missing.jsonl")  # a relative path, not a hub name
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no \\*.jsonl file"):
        load_records(str(empty))
    (empty / "e.jsonl").write_text("\n")
    with pytest.raises(ValueError, match="no records"):
        load_records(str(empty))


def test_hub_dataset_names_go_through_huggingface_hub(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text('{"instruction": "i", "output": "o"}\n')
    asked = []
    monkeypatch.setattr(instruct_data, "hub_folder", lambda name: asked.append(name) or tmp_path)
    assert load_records("someone/instructions") == [{"instruction": "i", "input": "", "response": "o"}]
    assert asked == ["someone/instructions"]


def test_prompt_is_alpacas():
    assert prompt_of({"instruction": "Add.", "input": ""}) == (
        "Below is an instruction that describes a task. Write a response that appropriately completes the "
        "request.\n\n### Instruction:\nAdd.\n\n### Response:\n")
    with_input = prompt_of({"instruction": "Add.", "input": "1 2"})
    assert "paired with an input that provides further context" in with_input
    assert with_input.endswith("### Instruction:\nAdd.\n\n### Input:\n1 2\n\n### Response:\n")


def test_encode_masks_the_prompt_and_the_padding():
    tokenizer = tiny_tokenizer(tiny_records())
    record = {"instruction": "Repeat the word.", "input": "sky", "response": "sky sky sky"}
    prompt = tokenizer(prompt_of(record))["input_ids"]
    response = tokenizer("sky sky sky", add_special_tokens=False)["input_ids"]
    assert prompt[0] == tokenizer.bos_token_id and len(response) == 3
    full = prompt + response + [tokenizer.eos_token_id]
    inputs, labels = encode(tokenizer, record, len(full) + 3)
    assert inputs == full[:-1] + [tokenizer.pad_token_id] * 4
    # Labels are the next tokens: the response and EOS only.
    assert labels == [IGNORE] * (len(prompt) - 1) + response + [tokenizer.eos_token_id] + [IGNORE] * 4
    inputs, labels = encode(tokenizer, record, len(prompt) + 1)  # cut: the first two response tokens left
    assert inputs == full[: len(prompt) + 1] and labels[-2:] == response[:2]
    inputs, labels = encode(tokenizer, record, 5)  # the prompt fills the window: nothing to learn from
    assert len(inputs) == 5 and set(labels) == {IGNORE}


def test_batches_are_a_function_of_seed_step_rank_and_walk_epochs():
    tokenizer = tiny_tokenizer(tiny_records())
    records = [normalise(record, "") for record in tiny_records()]  # 24
    data = InstructBatches(records, tokenizer, seed=1, batch=4, seq_len=40, world_size=2)
    x, y = data.batch_at(3, 1)
    assert x.shape == y.shape == (4, 40) and x.dtype == y.dtype == torch.long
    again = InstructBatches(records, tokenizer, seed=1, batch=4, seq_len=40, world_size=2)
    assert torch.equal(x, again.batch_at(3, 1)[0]) and torch.equal(y, again.batch_at(3, 1)[1])
    # One epoch is 3 steps of 2 ranks x 4: every example once, then a new order.
    epoch = [i for step in (1, 2, 3) for rank in (0, 1) for i in data.indices(step, rank)]
    assert sorted(epoch) == list(range(24))
    second = [i for step in (4, 5, 6) for rank in (0, 1) for i in data.indices(step, rank)]
    assert sorted(second) == list(range(24)) and second != epoch
    assert InstructBatches(records, tokenizer, seed=2, batch=4, seq_len=40, world_size=2).indices(1, 0) \
        != data.indices(1, 0)


def test_a_dataset_in_a_hub_cache_is_found(tmp_path):
    """A Hub snapshot lives under ~/.cache/huggingface: only a `.cache` folder *inside* the dataset is skipped."""
    data_files = instruct_data.data_files
    snapshot = tmp_path / ".cache" / "huggingface" / "hub" / "datasets--org--d" / "snapshots" / "abc"
    (snapshot / "data").mkdir(parents=True)
    (snapshot / "data" / "train.jsonl").write_text('{"instruction": "a", "output": "b"}\n')
    (snapshot / ".cache").mkdir()
    (snapshot / ".cache" / "meta.jsonl").write_text("{}\n")
    assert data_files(snapshot) == [snapshot / "data" / "train.jsonl"]


def test_a_window_the_prompts_fill_is_refused():
    tokenizer = tiny_tokenizer(tiny_records())
    records = [normalise(record, "") for record in tiny_records()]
    with pytest.raises(ValueError, match="--seq-len 4: the prompts fill the whole window"):
        InstructBatches(records, tokenizer, seed=0, batch=2, seq_len=4, world_size=1)
