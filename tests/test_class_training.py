"""Train one in class (llama_edu/class_training.py): names the models folder can take, the progress file every page
reads, one training at a time per folder (a lock that a killed training releases), a process on one thread, a short
real run that leaves a checkpoint the app loads, and the class store's `model` field that shows it to the class.
The runs that start a real training process are slow (a few seconds each, most of it importing torch)."""

import json
import os
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import torch

import llama_edu as le
from llama_edu import class_training as ct
from llama_edu.classroom import ClassStore
from llama_edu.viz import palette
from llama_edu.viz.class_training import live_loss_figure

SMALL_CORPUS = 150_000  # characters: generated and tokenized in well under a second
WAIT_S = 180  # the longest a test waits for a training process (2 busy cores, torch imported from cold)


@pytest.fixture
def models(tmp_path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.fixture
def trainings():
    """The training processes a test starts; any still running at its end is killed."""
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def wait_for(condition, seconds: float = WAIT_S, what: str = "the training"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} did not get there within {seconds} s")


@contextmanager
def held_lock(models: Path):
    """The models folder's lock, held by this test as a training process would hold it."""
    fd = ct._take_lock(models)
    try:
        yield
    finally:
        os.close(fd)


def write_progress(models: Path, **fields) -> None:
    ct.work_folder(models).mkdir(parents=True, exist_ok=True)
    ct._write_json(ct.work_folder(models) / ct.PROGRESS, fields)


def fake_class_model(models: Path, name: str, made_here: bool = True) -> Path:
    folder = models / name
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / ct.TRAINING_LOG).write_text(json.dumps({"made_by": ct.MADE_BY if made_here else "someone"}))
    return folder


# ---- names -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, reason", [
    ("", "empty"), ("   ", "empty"), ("a" * (ct.NAME_MAX_CHARS + 1), "too_long"),
    ("../evil", "characters"), ("a/b", "characters"), ("a\\b", "characters"), (".hidden", "characters"),
    (".class-training", "characters"), ("two words", "characters"), ("-rf", "characters"), ("ümlaut", "characters"),
    ("tiny (shipped, trained here)", "characters"), ("a\x00b", "characters"),
])
def test_names_that_could_leave_the_folder_or_hide_in_it_are_refused(models, name, reason):
    with pytest.raises(ct.NameRefused) as refused:
        ct.check_name(models, name)
    assert refused.value.reason == reason


def test_a_plain_name_is_taken_stripped(models):
    assert ct.check_name(models, "  class-1 ") == "class-1"
    assert ct.check_name(models, "Lesson_7.v2") == "Lesson_7.v2"


def test_a_taken_name_is_refused_and_replaced_only_when_asked_and_trained_here(models):
    fake_class_model(models, "class-1")
    fake_class_model(models, "llama-7b", made_here=False)
    for name in ("class-1", "CLASS-1"):  # a folder on macOS or Windows is the same whatever the case
        with pytest.raises(ct.NameRefused, match="exists"):
            ct.check_name(models, name)
    assert ct.check_name(models, "class-1", replace=True) == "class-1"
    for name in ("llama-7b", "Class-1"):  # not trained here; or another spelling of one that was
        with pytest.raises(ct.NameRefused, match="not_ours"):
            ct.check_name(models, name, replace=True)


def test_the_suggested_name_is_the_first_free_one(models):
    assert ct.suggest_name(models) == "class-1"
    fake_class_model(models, "class-1")
    fake_class_model(models, "class-3")
    assert ct.suggest_name(models) == "class-2"


def test_start_refuses_a_bad_name_before_anything_runs(models):
    with pytest.raises(ct.NameRefused):
        ct.start(models, "../x")
    assert not ct.is_training(models) and ct.read_progress(models).state == "idle"


# ---- the progress file -------------------------------------------------------------------------------------------
def test_no_progress_file_reads_as_idle_and_reading_writes_nothing(tmp_path):
    read_only = tmp_path / "models"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        assert ct.read_progress(read_only) == ct.Progress() and not ct.is_training(read_only)
        assert list(read_only.iterdir()) == []  # a student's page creates nothing in the models folder
    finally:
        read_only.chmod(0o700)


def test_a_running_training_holds_the_lock_and_one_that_died_reads_as_stopped(models):
    write_progress(models, state="running", name="class-1", step=5, steps=10, losses=[[5, 7.0]])
    with held_lock(models):
        now = ct.read_progress(models)
        assert (now.state, now.step, now.fraction, now.active) == ("running", 5, 0.5, True)
    died = ct.read_progress(models)  # nothing holds the lock: the process is gone without writing so
    assert (died.state, died.message, died.active, died.losses) == ("failed", "stopped", False, [[5, 7.0]])


@pytest.mark.parametrize("state", ct.ENDED)
def test_an_ended_training_reads_as_it_ended(models, state):
    write_progress(models, state=state, name="class-1", step=10, steps=10, evals=[[10, 3.5]])
    now = ct.read_progress(models)
    assert now.state == state and not now.active and now.final_loss == 3.5


def test_a_second_training_is_refused_while_the_lock_is_held(models):
    with held_lock(models):
        assert ct.is_training(models)
        with pytest.raises(ct.TrainingBusy):
            ct.start(models, "class-2")
        assert ct.cancel(models)  # a cancel asks through a file
        assert (ct.work_folder(models) / ct.CANCEL).exists()
    assert not ct.is_training(models) and not ct.cancel(models)


def test_a_finished_model_moves_in_whole_and_replaces_only_a_class_model(models):
    old = fake_class_model(models, "class-1")
    (old / "model.safetensors").write_bytes(b"old")
    build = ct.work_folder(models) / "build-class-1"
    build.mkdir(parents=True)
    (build / "model.safetensors").write_bytes(b"new")
    with pytest.raises(ct.NameRefused):
        ct._publish(models, build, "class-1", replace=False)
    assert ct._publish(models, build, "class-1", replace=True) == models / "class-1"
    assert (models / "class-1" / "model.safetensors").read_bytes() == b"new"
    assert sorted(p.name for p in ct.work_folder(models).iterdir()) == []  # nothing left behind


def test_the_live_figure_spans_the_run_and_takes_its_colours_from_the_palette():
    fig = live_loss_figure([[1, 8.3], [2, 7.9], [3, 7.2]], [[3, 7.4]], steps=400, vocab_size=4096)
    assert list(fig.layout.xaxis.range) == [0, 400]
    assert [trace.line.color for trace in fig.data] == [palette.OKABE_ITO["sky_blue"], palette.OKABE_ITO["vermillion"]]
    assert fig.layout.shapes[0].line.color == palette.GREY and fig.layout.shapes[0].y0 == pytest.approx(8.3178, 1e-4)
    assert "ln 4.096" in live_loss_figure([], [], 10, 4096, lang="de").layout.annotations[0].text


def test_the_class_model_is_small_and_reads_the_shipped_tokenizers_pieces():
    cfg = ct.class_config().model_config()
    assert (cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.max_seq_len) == (128, 2, 4, 2, 128)
    assert le.load_tokenizer(ct.tokenizer_file()).vocab_size == 4096
    assert 1_000_000 < ct.class_model_parameters() < 2_000_000


# ---- real training processes -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_short_training_leaves_a_checkpoint_the_app_loads(models, trainings):
    trainings.append(process := ct.start(models, "class-1", steps=4, corpus_chars=SMALL_CORPUS))
    assert process.wait(WAIT_S) == 0, (ct.work_folder(models) / ct.LOG).read_text()[-2000:]
    done = ct.read_progress(models)
    assert (done.state, done.step, done.steps, done.threads, done.vocab_size) == ("done", 4, 4, 1, 4096)
    assert [step for step, _ in done.losses] == [1, 2, 3, 4] and done.evals[-1][0] == 4 and done.samples
    model, tok = le.load_with_tokenizer(models / "class-1")
    assert (model.cfg.dim, model.cfg.n_layers, model.cfg.vocab_size) == (128, 2, 4096)
    assert (models / "class-1" / "tokenizer.model").read_bytes() == ct.tokenizer_file().read_bytes()
    assert ct.made_here(models / "class-1") and (models / "class-1" / "training_words.txt").stat().st_size > 0
    with torch.no_grad():
        assert torch.isfinite(model(torch.tensor([tok.encode(ct.SAMPLE_PROMPT)]))).all()
    assert not list(ct.work_folder(models).glob("build-*")) and not ct.is_training(models)
    # The same name again is refused (the teacher ticks "replace" to train it anew).
    with pytest.raises(ct.NameRefused, match="exists"):
        ct.start(models, "class-1", steps=2, corpus_chars=SMALL_CORPUS)


@pytest.mark.slow
def test_one_training_at_a_time_on_one_thread_and_a_killed_one_frees_the_folder(models, trainings):
    trainings.append(first := ct.start(models, "class-1", steps=100_000, corpus_chars=SMALL_CORPUS))
    wait_for(lambda: ct.read_progress(models).state == "running")
    # One thread, low priority: what the operating system says about the process itself.
    status = Path(f"/proc/{first.pid}/status")
    if status.exists():
        assert "Threads:\t1\n" in status.read_text()
        niceness = int(Path(f"/proc/{first.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert niceness == min(19, os.nice(0) + ct.NICE)  # lower than this test's own priority
    assert ct.read_progress(models).threads == 1
    with pytest.raises(ct.TrainingBusy):  # from another process (this one), as from another replica
        ct.start(models, "class-2", steps=2, corpus_chars=SMALL_CORPUS)
    first.kill()  # SIGKILL: no chance to write anything
    first.wait(10)
    wait_for(lambda: not ct.is_training(models), 10, "the lock's release")
    stopped = ct.read_progress(models)
    assert (stopped.state, stopped.message, stopped.name) == ("failed", "stopped", "class-1")
    # The folder is free again; a new training starts, and a cancel ends it with nothing saved.
    trainings.append(second := ct.start(models, "class-2", steps=100_000, corpus_chars=SMALL_CORPUS))
    assert ct.cancel(models)  # at once: the training stops before its first step
    assert second.wait(60) == 2
    assert ct.read_progress(models).state == "cancelled"
    assert sorted(p.name for p in models.iterdir()) == [ct.WORK_FOLDER]  # no model, whole or half


# ---- showing the model to the class ------------------------------------------------------------------------------
def test_the_class_store_keeps_the_model_the_teacher_shows(tmp_path):
    store = ClassStore(f"sqlite:///{tmp_path / 'classes.sqlite3'}")
    code = store.start_class()
    assert store.get(code).model is None
    before = store.get(code).version
    shown = store.update(code, model="class-1")
    assert (shown.model, shown.version) == ("class-1", before + 1)
    assert store.update(code, prompt="The cat sat on the mat").model == "class-1"  # kept by a push without it
    with pytest.raises(ValueError):
        store.update(code, model=3)
    store.close()


OLD_CLASSES = """CREATE TABLE classes (code TEXT PRIMARY KEY, version BIGINT NOT NULL, prompt TEXT, page TEXT,
    lesson TEXT, step BIGINT, layer BIGINT, head BIGINT, question_id BIGINT, changed_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL)"""


def test_a_store_made_before_the_model_field_gets_it_and_keeps_its_classes(tmp_path):
    path = tmp_path / "classes.sqlite3"
    with closing(sqlite3.connect(path)) as old:
        old.execute(OLD_CLASSES)
        old.execute("INSERT INTO classes (code, version, prompt, changed_at, expires_at) VALUES "
                    "('ABCDEFGH', 3, 'The cat sat on the mat', ?, ?)", (time.time(), time.time() + 3600))
        old.commit()
    store = ClassStore(f"sqlite:///{path}")
    kept = store.get("ABCDEFGH")
    assert (kept.prompt, kept.version, kept.model) == ("The cat sat on the mat", 3, None)
    assert store.update("ABCDEFGH", model="class-1").model == "class-1"
    store.close()
    ClassStore(f"sqlite:///{path}").close()  # opened again: the column is there, nothing is added twice


@pytest.mark.slow
def test_a_postgresql_store_made_before_the_model_field_gets_it(tmp_path):
    from postgres_server import postgres_server, why_not

    if why_not():
        pytest.skip(why_not())
    import psycopg

    with postgres_server() as url:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(OLD_CLASSES)
            admin.execute("INSERT INTO classes (code, version, changed_at, expires_at) VALUES ('ABCDEFGH', 1, %s, %s)",
                          (time.time(), time.time() + 3600))
        store = ClassStore(url)
        assert store.get("ABCDEFGH").model is None
        assert store.update("ABCDEFGH", model="class-1").model == "class-1"
        store.close()
        ClassStore(url).close()

