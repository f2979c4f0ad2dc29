"""The Train page (app/views/train.py): only a signed-in teacher gets Start and Cancel; every student watches a
running training live (progress, curve, what it writes); a finished model opens on every page and, pushed by the
teacher, in every follower's. A running training is played by this test holding the folder's lock and writing its
progress file, as the training process does (tests/test_class_training.py runs the real process)."""

import os

import pytest
import torch
from apphelpers import assert_no_exception, figures, open_page, shown
from streamlit.testing.v1 import AppTest

import llama_edu as le
from app import classroom
from llama_edu import class_training as ct

SECRET = "correct horse battery staple"
PAGE, TEACH = "views/train.py", "views/teach.py"


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A models folder, a teacher's secret and a class store of this test's own."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(folder))
    monkeypatch.setenv("LLAMA_EDU_TEACHER_SECRET", SECRET)
    monkeypatch.setenv("LLAMA_EDU_CLASS_STORE", f"sqlite:///{tmp_path / 'classes.sqlite3'}")
    classroom.store.clear()
    classroom._teacher_attempts.clear()
    yield folder
    classroom.store.clear()
    classroom._teacher_attempts.clear()


def teacher(**state) -> AppTest:
    """A teacher's browser on the Train page, signed in (app/classroom.py keeps that in the session)."""
    return open_page(PAGE, _browser_token="teacher-browser-token-000", **{classroom.TEACHER: True}, **state)


def student(**state) -> AppTest:
    return open_page(PAGE, _browser_token="student-browser-token-001", **state)


def running(models, **fields) -> int:
    """Play a training in progress: the lock held (returns its descriptor: close it to "end the process") and its
    progress file written."""
    fd = ct._take_lock(models)
    ct._write_json(ct.work_folder(models) / ct.PROGRESS, {
        "state": "running", "name": "class-1", "step": 150, "steps": 400, "losses": [[1, 8.3], [150, 4.1]],
        "evals": [[40, 5.2]], "samples": [[40, "park. The cat was a"]], "tokens_per_s": 7000, "eta_s": 41.0,
        "threads": 1, "vocab_size": 4096, "started_at": 1.0, "updated_at": 2.0, **fields})
    return fd


def trained(models, name: str = "class-1") -> None:
    """A finished class model in the folder (random weights of the class model's shape) and the progress file's
    last word on it."""
    cfg = ct.class_config().model_config().replace(vocab_size=4096, name=name)
    torch.manual_seed(0)
    le.save_model(le.Transformer(cfg), models / name, tokenizer_file=ct.tokenizer_file())
    (models / name / ct.TRAINING_LOG).write_text(f'{{"made_by": "{ct.MADE_BY}"}}')
    ct.work_folder(models).mkdir()
    ct._write_json(ct.work_folder(models) / ct.PROGRESS, {
        "state": "done", "name": name, "step": 400, "steps": 400, "losses": [[400, 2.6]], "evals": [[400, 2.64]],
        "samples": [[400, "roof. The first lesson was maths."]], "elapsed_s": 61.0, "vocab_size": 4096,
        "started_at": 1.0, "updated_at": 3.0})


def keys(at: AppTest) -> list[str]:
    return [button.key for button in at.button]


def test_without_llama_edu_models_the_data_folders_models_folder_is_used(models, monkeypatch, tmp_path):
    """The folder is made by the first training, not by opening the page; the teacher is told where it is."""
    monkeypatch.delenv("LLAMA_EDU_MODELS")
    monkeypatch.setenv("LLAMA_EDU_DATA", str(tmp_path / "data"))
    at = teacher()
    assert_no_exception(at)
    assert "train_start" in keys(at) and not (tmp_path / "data").exists()
    assert any(str(tmp_path / "data" / "models") in shown(caption.value) for caption in at.caption)


def test_a_student_gets_no_start_button_and_is_told_the_teacher_starts(models):
    at = student()
    assert_no_exception(at)
    assert not {"train_start", "train_cancel"} & set(keys(at)) and not at.main.text_input
    assert any("Your teacher starts a training" in caption.value for caption in at.caption)


def test_a_teacher_who_signed_in_on_the_teach_page_gets_the_controls(models):
    at = open_page(TEACH, _browser_token="teacher-browser-token-000")
    at.text_input[0].input(SECRET)
    at.button[0].click().run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert "train_start" in keys(at) and at.text_input(key="train_name").placeholder == "class-1"
    assert at.select_slider(key="train_steps").value == ct.DEFAULT_STEPS


def test_everyone_watches_a_running_training_and_only_the_teacher_can_cancel_it(models):
    fd = running(models)
    try:
        watching = student(lang="de")
        assert_no_exception(watching)
        assert any(shown(md.value).startswith("**class-1**: Schritt 150 von 400") for md in watching.markdown)
        assert "train_cancel" not in keys(watching) and watching.get("progress")[0].proto.value == 37  # 150/400
        curve = figures(watching)[0]
        assert curve["layout"]["xaxis"]["range"] == [0, 400] and len(curve["data"]) == 2
        assert any("park. The cat was a" in shown(md.value) for md in watching.markdown)
        teaching = teacher()
        teaching.button(key="train_cancel").click().run()
        assert_no_exception(teaching)
        assert (ct.work_folder(models) / ct.CANCEL).exists()
    finally:
        os.close(fd)
    ended = student()  # the process is gone without a word: the page says it stopped
    assert any("stopped before it finished" in box.value for box in ended.error)


def test_a_bad_name_is_refused_a_busy_server_says_so_and_a_good_start_is_confirmed(models, monkeypatch):
    started = []
    monkeypatch.setattr(ct, "start", lambda folder, name, **options: started.append((folder, name, options)))
    at = teacher()
    at.text_input(key="train_name").input("../etc").run()
    at.button(key="train_start").click().run()
    assert any("no spaces, no slashes" in box.value for box in at.error) and started == []
    at.text_input(key="train_name").input("").run()  # empty: the suggested name
    at.select_slider(key="train_steps").set_value(100).run()
    at.button(key="train_start").click().run()
    assert started == [(models, "class-1", {"replace": False, "steps": 100})]
    assert any("class-1" in shown(box.value) for box in at.success)
    monkeypatch.undo()
    monkeypatch.setenv("LLAMA_EDU_MODELS", str(models))
    monkeypatch.setenv("LLAMA_EDU_TEACHER_SECRET", SECRET)
    fd = running(models)
    try:
        at.button(key="train_start").click().run()
        assert any("already running" in box.value for box in at.warning)
    finally:
        os.close(fd)


def test_a_finished_model_opens_on_every_page_and_the_teacher_shows_it_to_the_class(models):
    trained(models)
    at = student()
    assert_no_exception(at)
    assert "class-1" in at.sidebar.selectbox[0].options  # in every model picker (app/common.py available_models)
    at.button(key="train_open").click().run()
    assert_no_exception(at)
    assert at.session_state["model_label"] == "class-1" and at.sidebar.selectbox[0].value == "class-1"
    assert any("You are using" in shown(box.value) for box in at.info)
    # A teacher leading a class pushes it: a student who follows opens it on their next poll.
    store = classroom.store()
    code = store.start_class()
    follower = open_page("views/overview.py", _browser_token="student-browser-token-002")
    follower.sidebar.text_input(key="class_code_typed").input(code)
    follower.sidebar.button(key="class_join").click().run()
    lead = teacher(**{classroom.TEACHER_CLASS: code})
    lead.button(key="train_push").click().run()
    assert_no_exception(lead)
    assert store.get(code).model == "class-1"
    follower.run()
    assert_no_exception(follower)
    assert follower.session_state["model_label"] == "class-1"
