"""``train --model``: a tiny Llama made in the test (``tiny_llm``), fine-tuned by 2 gloo processes.

Fast: FSDP2 full fine-tune learns and saves a model that loads; the option mistakes; the model helpers in
process. Slow (several runs each, ~8 s a run on 2 cores): FSDP2 + LoRA and DeepSpeed ZeRO-3 with and without
LoRA learn, and LoRA runs resumed from a checkpoint repeat the uninterrupted losses bit for bit."""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import pytest
import torch

from distributed.driver import build_parser, check_worker_options, default_save_dir
from distributed.results import TrainResult
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[4]
TINY = ["--backend", "gloo", "--nproc-per-node", "2", "--micro-batch", "4", "--seq-len", "48"]
STEPS = 20


def train(tmp_path, tiny, name, *args):
    out = tmp_path / f"{name}.json"
    done = subprocess.run([sys.executable, "-m", "distributed", "train", *TINY, "--model", str(tiny["model"]),
                           "--dataset", str(tiny["dataset"]), *args, "--json", str(out),
                           "--run-dir", str(tmp_path / "runs")],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def check_learns(result, tiny, strategy, lora: bool):
    assert set(result) == set(get_type_hints(TrainResult))
    assert result["strategy"] == strategy and result["world_size"] == 2 and result["model"] == str(tiny["model"])
    assert result["data"] == str(tiny["dataset"]) and len(result["losses"]) == STEPS
    assert result["loss_decreased"] is True and result["last5_mean"] < 0.8 * result["first5_mean"]
    assert result["tokens_per_s"] > 0 and [m["bytes"] > 0 for m in result["peak_memory"]] == [True, True]
    assert (result["trainable_parameters"] < result["parameters"]) is lora
    saved = Path(result["saved"]["path"])
    assert result["saved"]["what"] == ("LoRA adapter" if lora else "model")
    assert saved.name == "model"
    assert (saved / ("adapter_model.safetensors" if lora else "model.safetensors")).exists()
    assert (saved / "tokenizer.json").exists() and (saved.parent / "plot.png").exists()
    summary = (saved.parent / "summary.md").read_text()
    assert f"saved {result['saved']['what']} (save_pretrained): {saved}" in summary
    return saved


def first_weight(model) -> torch.Tensor:
    return model.get_input_embeddings().weight


def test_fsdp_fine_tunes_the_whole_model(tmp_path, tiny_llama):
    from transformers import AutoModelForCausalLM

    result = train(tmp_path, tiny_llama, "full", "--strategy", "fsdp", "--steps", str(STEPS), "--lr", "3e-3")
    saved = check_learns(result, tiny_llama, "fsdp", lora=False)
    assert result["lora"] is None and saved.parent.parent == tmp_path / "runs"
    trained, base = (AutoModelForCausalLM.from_pretrained(p) for p in (saved, tiny_llama["model"]))
    assert trained.dtype == torch.float32 and not torch.equal(first_weight(trained), first_weight(base))


def learns_and_resumes(tmp_path, tiny, strategy, *extra):
    common = ["--strategy", strategy, "--lora-r", "8", "--lr", "1e-2", *extra]
    uninterrupted = train(tmp_path, tiny, "full", *common, "--steps", str(STEPS))
    saved = check_learns(uninterrupted, tiny, strategy, lora=True)
    assert uninterrupted["lora"] == {"r": 8, "alpha": 16, "targets": "all-linear"}
    checkpoints = tmp_path / "checkpoints"
    half = STEPS // 2
    first = train(tmp_path, tiny, "first", *common, "--steps", str(half), "--checkpoint-dir", str(checkpoints))
    resumed = train(tmp_path, tiny, "resumed", *common, "--steps", str(STEPS), "--checkpoint-dir",
                    str(checkpoints), "--resume")
    assert resumed["resumed_from"] == half and resumed["first_step"] == half + 1
    assert first["losses"] == uninterrupted["losses"][:half]
    assert resumed["losses"] == uninterrupted["losses"][half:]  # bit for bit, next step and after
    return saved


def check_adapter(saved, tiny):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny["model"]), saved)
    lora_b = [p for name, p in model.named_parameters() if "lora_B" in name]
    assert lora_b and all(p.abs().max() > 0 for p in lora_b)  # LoRA B starts at zero: these were trained


@pytest.mark.slow
def test_fsdp_lora_learns_and_resumes_exactly(tmp_path, tiny_llama):
    check_adapter(learns_and_resumes(tmp_path, tiny_llama, "fsdp"), tiny_llama)


@pytest.mark.slow
def test_deepspeed_zero3_lora_learns_and_resumes_exactly(tmp_path, tiny_llama):
    check_adapter(learns_and_resumes(tmp_path, tiny_llama, "deepspeed", "--zero-stage", "3"), tiny_llama)


@pytest.mark.slow
def test_deepspeed_zero3_fine_tunes_the_whole_model(tmp_path, tiny_llama):
    from transformers import AutoModelForCausalLM

    result = train(tmp_path, tiny_llama, "full", "--strategy", "deepspeed", "--zero-stage", "3",
                   "--steps", str(STEPS), "--lr", "3e-3")
    assert result["zero_stage"] == 3
    saved = check_learns(result, tiny_llama, "deepspeed", lora=False)
    trained, base = (AutoModelForCausalLM.from_pretrained(p) for p in (saved, tiny_llama["model"]))
    assert not torch.equal(first_weight(trained), first_weight(base))  # the gathered ZeRO-3 weights, trained


def parse(*argv):
    return build_parser().parse_args(["train", *argv])


@pytest.mark.parametrize("argv, message", [
    (["--model", "m"], "--model needs --dataset"),
    (["--model", "m", "--dataset", "d", "--data", "t"], "with --model use --dataset"),
    (["--dataset", "d"], "--dataset needs --model"),
    (["--lora-r", "8"], "--lora-r needs --model"),
    (["--save-dir", "s"], "--save-dir needs --model"),
    (["--model", "m", "--dataset", "d", "--lora-r", "-1"], "--lora-r must be 0"),
])
def test_option_mistakes_stop_before_anything_starts(argv, message):
    with pytest.raises(UsageError, match=message):
        check_worker_options(parse(*argv))


def test_the_model_lands_in_the_run_folder(tmp_path):
    run_dir = tmp_path / "runs" / "train-1"
    assert default_save_dir(parse(), run_dir) is None  # the small GPT saves nothing
    assert default_save_dir(parse("--model", "m"), run_dir) == str(run_dir / "model")
    assert default_save_dir(parse("--model", "m", "--save-dir", "/x"), run_dir) == "/x"
    # On the nodes the ranks run in distributed_path: the same relative run folder there.
    assert default_save_dir(parse("--model", "m", "--inventory", "i.py"), run_dir) == "runs/train-1/model"


def test_model_helpers(tiny_llama):
    from distributed.train import hf_model
    from distributed.train.instruct_data import IGNORE

    args = argparse.Namespace(model=str(tiny_llama["model"]), lora_r=4, lora_alpha=None, lora_targets="q_proj, v_proj",
                              seed=0)
    model, tokenizer = hf_model.load(args)
    assert [type(m).__name__ for m in hf_model.decoder_layers(model)] == ["LlamaDecoderLayer"] * 2
    assert hf_model.describe(model, args) == {
        "model": args.model, "lora": {"r": 4, "alpha": 8, "targets": ["q_proj", "v_proj"]},
        "trainable_parameters": 2 * ((4 * 32 + 32 * 4) + (4 * 32 + 16 * 4))}  # 2 layers; q: 32->32, v: 32->16
    x = torch.tensor([tokenizer("What colour is the sky ?")["input_ids"]])
    assert hf_model.loss_of(model, x, torch.full_like(x, IGNORE)).item() == 0.0  # no labelled token: no NaN
    assert hf_model.loss_of(model, x, x).item() > 0
    assert hf_model.lora_targets("all-linear") == "all-linear"
