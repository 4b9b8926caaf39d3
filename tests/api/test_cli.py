"""``optim-playground run`` prints optim_core's numbers; bad input exits 2 with a message."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from app.cli import main
from optim_core import run
from optim_core.expression import parse_expression
from tests.api.support import ROOT


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_run_prints_csv_equal_to_core(capsys):
    assert main(["run", "--optimizer", "adam", "--surface", "rosenbrock", "--start", "-1.5,2", "--steps", "50",
                 "--lr", "0.01", "--betas", "0.8,0.99"]) == 0
    table = rows(capsys.readouterr().out)
    want = run("adam", "rosenbrock", [-1.5, 2.0], 50, lr=0.01, betas=(0.8, 0.99))
    assert table[0] == ["step", "x", "y", "loss"]
    assert len(table) == 52
    for k, (step, x, y, f) in enumerate(table[1:]):
        assert int(step) == k
        assert (float(x), float(y), float(f)) == (want.xy[k, 0], want.xy[k, 1], want.loss[k])  # exact


def test_run_writes_json_file_like_the_api(tmp_path, client):
    out = tmp_path / "path.json"
    assert main(["run", "--optimizer", "lbfgs", "--surface", "beale", "--start", "1,1.5", "--steps", "5",
                 "--line_search_fn", "strong_wolfe", "--max-eval", "none", "--out", str(out)]) == 0
    api = client.post("/api/trajectories", json={"surface": "beale", "start": [1, 1.5], "steps": 5, "runs": [
        {"optimizer": "lbfgs", "params": {"line_search_fn": "strong_wolfe", "max_eval": None}}]})
    assert json.loads(out.read_text()) == api.json()


def test_run_on_typed_surface_with_domain(capsys):
    assert main(["run", "--optimizer", "sgd", "--expression", "x^4 - 2x^2 + y^2", "--domain", "-2,2,-2,2",
                 "--start", "0.5,1", "--steps", "3", "--momentum", "0.9", "--nesterov", "true"]) == 0
    table = rows(capsys.readouterr().out)
    surface = parse_expression("x^4 - 2x^2 + y^2", domain=((-2.0, 2.0), (-2.0, 2.0)))
    want = run("sgd", surface, [0.5, 1.0], 3, momentum=0.9, nesterov=True)
    assert [float(v) for v in table[-1][1:3]] == want.xy[-1].tolist()


def test_run_reports_divergence_on_stderr(capsys):
    assert main(["run", "--optimizer", "sgd", "--surface", "saddle", "--steps", "100", "--lr", "2"]) == 0
    captured = capsys.readouterr()
    assert "diverged at step 14" in captured.err
    assert len(rows(captured.out)) == 1 + 14


@pytest.mark.parametrize(("args", "fragment"), [
    (["--optimizer", "sgd", "--nesterov", "true"], "Nesterov momentum requires"),
    (["--optimizer", "sgd", "--learning-rate", "0.1"], "--learning_rate is not a hyperparameter of sgd"),
    (["--optimizer", "sgd", "--lr", "fast"], "--lr: Invalid lr value: 'fast' (lr must be a number)"),
    (["--optimizer", "sgd", "--lr", "-1"], "Invalid learning rate"),
    (["--optimizer", "adam", "--betas", "0.9"], "--betas: Invalid betas value: 0.9 (betas must be a pair of numbers)"),
    (["--optimizer", "sgd", "--nesterov", "yes"], "--nesterov: Invalid nesterov value: 'yes'"),
    (["--optimizer", "lbfgs", "--line_search_fn", "armijo"], "--line_search_fn: Invalid line_search_fn"),
    (["--optimizer", "sgd", "--start", "1"], "--start must be 2 comma-separated numbers"),
    (["--optimizer", "sgd", "--expression", "x +* y"], "--expression: syntax error"),
    (["--optimizer", "sgd", "--surface", "beale", "--domain", "0,1,0,1"], "--domain goes with --expression"),
    (["--optimizer", "sgd", "--steps", "-5"], "Invalid steps value"),
    (["--optimizer", "sgd", "--lr"], "--lr needs a value"),
    (["--optimizer", "nope"], "invalid choice: 'nope'"),
    (["--surface", "beale"], "the following arguments are required: --optimizer"),
])
def test_run_rejects_bad_input_with_exit_2(capsys, args, fragment):
    try:
        code = main(["run", *args])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    assert fragment in capsys.readouterr().err


def test_console_script_runs_as_a_process():
    done = subprocess.run([sys.executable, "-m", "app.cli", "run", "--optimizer", "rprop", "--surface", "booth",
                           "--steps", "2"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert rows(done.stdout)[0] == ["step", "x", "y", "loss"]
    bad = subprocess.run([sys.executable, "-m", "app.cli", "run", "--optimizer", "rprop", "--etas", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "--etas: Invalid etas value: 1 (etas must be a pair of numbers)" in bad.stderr


def test_run_with_a_scheduler_prints_the_core_path_and_its_lr(capsys):
    assert main(["run", "--optimizer", "sgd", "--surface", "rosenbrock", "--start", "-1.5,2", "--steps", "40",
                 "--momentum", "0.9", "--scheduler", "StepLR", "--scheduler-param", "step_size=10",
                 "--scheduler-param", "gamma=0.5"]) == 0
    table = rows(capsys.readouterr().out)
    want = run("sgd", "rosenbrock", [-1.5, 2.0], 40, momentum=0.9,
               scheduler=("StepLR", {"step_size": 10, "gamma": 0.5}))
    assert table[0] == ["step", "x", "y", "loss", "lr"]
    assert table[1][4] == ""  # no step led to the start point
    for k, (_, x, y, f, lr) in enumerate(table[1:]):
        assert (float(x), float(y), float(f)) == (want.xy[k, 0], want.xy[k, 1], want.loss[k])
        if k:
            assert float(lr) == want.lr[k]
    assert [float(r[4]) for r in table[2:][::10]] == [0.001, 0.0005, 0.00025, 0.000125]


def test_run_scheduler_values_use_the_cores_coercion_and_onecycle_fills_its_length(capsys):
    assert main(["run", "--optimizer", "adam", "--steps", "30", "--format", "json", "--scheduler", "OneCycleLR",
                 "--scheduler-param", "max_lr=0.05", "--scheduler-param", "anneal_strategy=linear",
                 "--scheduler-param", "three_phase=true"]) == 0
    answer = json.loads(capsys.readouterr().out)["runs"][0]
    want = run("adam", "rosenbrock", [-1.5, 2.0], 30, scheduler=(
        "OneCycleLR", {"max_lr": 0.05, "anneal_strategy": "linear", "three_phase": True, "total_steps": 30}))
    assert answer["scheduler"]["params"]["total_steps"] == 30 and answer["scheduler"]["params"]["three_phase"] is True
    assert answer["xy"] == want.xy.tolist() and answer["momentum"][1:] == want.momentum[1:].tolist()


@pytest.mark.parametrize(("args", "fragment"), [
    (["--scheduler", "StepLR", "--scheduler-param", "step_size=0"], "Invalid step_size value: 0 (step_size must be "
                                                                    "an integer in [1, 1000000000])"),
    (["--scheduler", "StepLR", "--scheduler-param", "step=3"], "--scheduler-param step is not a keyword of StepLR"),
    (["--scheduler", "StepLR", "--scheduler-param", "gamma"], "write name=value"),
    (["--scheduler", "ExponentialLR", "--scheduler-param", "gamma=fast"], "--scheduler-param gamma: Invalid gamma"),
    (["--scheduler", "WarmupLR"], "Unknown scheduler 'WarmupLR'"),
    (["--scheduler-param", "gamma=0.5"], "--scheduler-param goes with --scheduler"),
    (["--scheduler", "OneCycleLR", "--scheduler-param", "max_lr=0.1", "--scheduler-param", "total_steps=5"],
     "total_steps must be at least the run's 100 steps"),
])
def test_run_rejects_bad_scheduler_settings_with_exit_2(capsys, args, fragment):
    assert main(["run", "--optimizer", "sgd", *args]) == 2
    assert fragment in capsys.readouterr().err
