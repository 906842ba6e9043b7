"""The rank options: parsed by the driver, handed on as a command line, parsed again by every rank."""

import argparse

from distributed.options import add_options, worker_argv


def test_worker_options_survive_the_trip_to_the_ranks():
    parser = argparse.ArgumentParser()
    add_options(parser, "train")
    args = parser.parse_args(["--strategy", "deepspeed", "--zero-stage", "2", "--hsdp", "--steps", "7", "--lr", "0.01"])
    argv = worker_argv("train", args)
    assert argv[0] == "train" and "--hsdp" in argv and "--resume" not in argv and "--data" not in argv
    assert parser.parse_args(argv[1:]) == args
    parser = argparse.ArgumentParser()
    add_options(parser, "collectives")
    args = parser.parse_args(["--ops", "all_reduce,broadcast", "--max-bytes", "4M"])
    argv = worker_argv("collectives", args)
    assert argv[argv.index("--ops") + 1] == "all_reduce,broadcast"
    assert parser.parse_args(worker_argv("collectives", args)[1:]) == args


def test_model_options_survive_the_trip_and_stay_off_without_model():
    parser = argparse.ArgumentParser()
    add_options(parser, "train")
    args = parser.parse_args(["--model", "org/llm", "--dataset", "data.jsonl", "--lora-r", "8", "--lora-alpha", "32",
                              "--lora-targets", "q_proj,v_proj", "--save-dir", "/runs/x/model"])
    assert parser.parse_args(worker_argv("train", args)[1:]) == args
    plain = worker_argv("train", parser.parse_args([]))
    assert not {"--model", "--dataset", "--lr", "--save-dir", "--lora-alpha"} & set(plain)
