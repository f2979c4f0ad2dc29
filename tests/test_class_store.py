"""llama_edu.classroom: the class a teacher leads, shared by every process of the app. Each behaviour is checked on
SQLite and on a real PostgreSQL server started on loopback for this module (tests/postgres_server.py); the
PostgreSQL runs are marked slow, as they need a server."""

import csv
import io
import itertools
import multiprocessing
import os
import sqlite3
import stat
import threading
import types
from contextlib import closing
from pathlib import Path

import pytest
from postgres_server import postgres_server, why_not

from llama_edu import classroom
from llama_edu.classroom import (CODE_ALPHABET, CODE_LENGTH, DEFAULT_TTL_S, JOIN_ATTEMPTS, JOIN_WINDOW_S, ClassStore,
                                 ClassStoreError, TooManyAttempts)

TABLES = ("classes", "questions", "answers", "join_failures")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def postgres_url():
    reason = why_not()
    if reason:
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


_schemas = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request, tmp_path):
    """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own on the module's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    import psycopg

    server, schema = request.getfixturevalue("postgres_url"), f"test_{next(_schemas)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    return f"{server}?options=-csearch_path%3D{schema}"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(store_url, clock):
    opened = ClassStore(store_url, clock=clock)
    yield opened
    opened.close()


def rows(url: str, table: str) -> list[tuple]:
    """Every row of a table, read straight from the database (not through the store)."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as connection:
            return connection.execute(f"SELECT * FROM {table}").fetchall()
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(f"SELECT * FROM {table}").fetchall()


# ---- codes -------------------------------------------------------------------------------------------------------
def test_codes_are_eight_characters_a_projector_cannot_confuse_from_a_space_of_8e11(store):
    assert not set("0O1IL") & set(CODE_ALPHABET) and len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) == 31
    assert len(CODE_ALPHABET) ** CODE_LENGTH == 852_891_037_441
    codes = [store.start_class() for _ in range(40)]
    assert len(set(codes)) == 40
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)


def test_a_code_in_use_is_never_handed_out_again(store, monkeypatch):
    drawn = iter("AAAAAAAA" "AAAAAAAA" "BBBBBBBB")
    monkeypatch.setattr(classroom, "secrets", types.SimpleNamespace(choice=lambda alphabet: next(drawn)))
    assert store.start_class() == "AAAAAAAA"
    assert store.start_class() == "BBBBBBBB"  # AAAAAAAA was drawn again and refused


def test_a_typed_code_is_read_in_any_case_with_spaces_and_dashes(store):
    code = store.start_class()
    for typed in (code.lower(), f"{code[:4].lower()}-{code[4:]}", f" {code[:4]} {code[4:]} ", f"{code[:4]}--{code[4:]}",
                  f"{code[:4]}\t{code[4:]}"):
        assert store.get(typed).code == code
    assert classroom.normalise_code("abcd-efgh") == "ABCDEFGH"
    for unknown in ("", code[:-1], code + "2", "O" + code[1:], "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"):
        assert store.get(unknown) is None


# ---- following the teacher -------------------------------------------------------------------------------------
def test_each_update_is_a_new_version_that_followers_see(store):
    code = store.start_class()
    start = store.get(code)
    assert (start.version, start.prompt, start.page, start.question) == (1, None, None, None)
    pushed = store.update(code, prompt="The cat sat on the mat", page="attention", layer=3, head=0)
    assert (pushed.version, pushed.prompt, pushed.page, pushed.layer, pushed.head) == (2, "The cat sat on the mat",
                                                                                      "attention", 3, 0)
    lesson = store.update(code, page="lessons", lesson="attention", step=2, layer=None)
    assert (lesson.version, lesson.lesson, lesson.step, lesson.layer, lesson.head) == (3, "attention", 2, None, 0)
    assert store.get(code) == lesson


def test_an_update_of_an_unknown_field_or_type_changes_nothing(store):
    code = store.start_class()
    for bad in ({"colour": "red"}, {"layer": "3"}, {"step": True}, {"prompt": 7}, {"head": -1}, {"prompt": "a\x00b"}):
        with pytest.raises(ValueError):
            store.update(code, **bad)
    assert store.get(code).version == 1
    with pytest.raises(ClassStoreError):
        store.update("ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY", page="rope")


# ---- questions and answers -------------------------------------------------------------------------------------
def test_a_question_becomes_current_a_new_one_replaces_it_and_close_leaves_none(store, clock):
    code = store.start_class()
    first = store.ask(code, "quiz", "Which norm has no mean?", ["RMSNorm", "LayerNorm"], answer=0,
                      extra={"lesson": "rmsnorm", "quiz": 0})
    assert store.get(code).question == first and first.asked_at == clock.now
    assert (first.kind, first.options, first.answer, first.extra, first.revealed) == (
        "quiz", ("RMSNorm", "LayerNorm"), 0, {"lesson": "rmsnorm", "quiz": 0}, False)
    store.answer(code, first.id, "student-a", 0)
    second = store.ask(code, "next_token", "The cat sat on the ...", ["mat", "roof", "dog"],
                       extra={"probabilities": (0.7, 0.2, 0.1)})
    assert second.id != first.id and store.get(code).question == second and store.get(code).version == 3
    assert second.extra == {"probabilities": [0.7, 0.2, 0.1]}
    with pytest.raises(ClassStoreError, match="no longer open"):
        store.answer(code, first.id, "student-b", 1)
    assert store.counts(code, first.id) == [1, 0]  # the old question's answers stay
    store.reveal(code, second.id)
    assert store.get(code).question.revealed and store.get(code).version == 4
    store.close_question(code)
    assert store.get(code).question is None and store.get(code).version == 5
    with pytest.raises(ClassStoreError, match="no such question"):
        store.reveal(code, second.id + 100)


def test_a_second_answer_replaces_the_first(store):
    code = store.start_class()
    question = store.ask(code, "quiz", "2 + 2?", ["3", "4", "5"], answer=1)
    store.answer(code, question.id, "student-a", 0)
    store.answer(code, question.id, "student-b", 1)
    store.answer(code, question.id, "student-a", 1)
    store.answer(code, question.id, "student-a", 1)
    assert store.counts(code, question.id) == [0, 2, 0]


def test_an_option_out_of_range_or_an_answer_after_the_reveal_is_refused(store):
    code = store.start_class()
    question = store.ask(code, "quiz", "2 + 2?", ["3", "4"], answer=1)
    for option in (2, -1, True, "1"):
        with pytest.raises(ClassStoreError, match="option does not exist"):
            store.answer(code, question.id, "student-a", option)
    store.reveal(code, question.id)
    with pytest.raises(ClassStoreError, match="closed"):
        store.answer(code, question.id, "student-a", 1)
    assert store.counts(code, question.id) == [0, 0]


def test_a_question_is_checked_when_asked(store):
    code = store.start_class()
    for kind, options, answer, extra in (("poll", ["a", "b"], None, None), ("quiz", ["only"], None, None),
                                         ("quiz", ["a", 2], None, None), ("quiz", ["a", "b"], 2, None),
                                         ("quiz", ["a", "b"], None, {"f": object()})):
        with pytest.raises(ValueError):
            store.ask(code, kind, "?", options, answer=answer, extra=extra)
    assert store.get(code).version == 1


def test_counts_belong_to_the_class_that_asked(store):
    code, other = store.start_class(), store.start_class()
    question = store.ask(code, "quiz", "?", ["a", "b"])
    with pytest.raises(ClassStoreError):
        store.counts(other, question.id)
    with pytest.raises(ClassStoreError):
        store.answer(other, question.id, "student-a", 0)


# ---- the results ---------------------------------------------------------------------------------------------------
def sections(text: str) -> list[list[list[str]]]:
    return [list(csv.reader(io.StringIO(part))) for part in text.strip("\n").split("\n\n")]


def test_the_results_csv_has_every_question_and_names_only_where_given(store):
    code = store.start_class()
    quiz = store.ask(code, "quiz", "Which is RoPE's base in LLaMA 1?", ["10,000", "-1", "500,000"], answer=0)
    for student, option, name in (("tok-a", 0, "  Anna \n"), ("tok-b", 0, None), ("tok-c", 1, "=HYPERLINK(\"x\")"),
                                  ("tok-d", 0, "")):
        store.answer(code, quiz.id, student, option, name=name)
    guess = store.ask(code, "next_token", "The cat sat on the", ["mat", "roof"], extra={"probabilities": [0.75, 0.25]})
    store.answer(code, guess.id, "tok-a", 1, name="Anna")
    text = store.results_csv(code)
    questions, answers = sections(text)
    assert questions == [
        ["question_id", "kind", "question", "option", "option_text", "answers", "is_answer", "model_probability"],
        [str(quiz.id), "quiz", quiz.text, "0", "10,000", "3", "1", ""],
        [str(quiz.id), "quiz", quiz.text, "1", "'-1", "1", "0", ""],  # a cell a spreadsheet would read as a formula
        [str(quiz.id), "quiz", quiz.text, "2", "500,000", "0", "0", ""],
        [str(guess.id), "next_token", guess.text, "0", "mat", "0", "", "0.75"],
        [str(guess.id), "next_token", guess.text, "1", "roof", "1", "", "0.25"]]
    assert answers == [["question_id", "option", "option_text", "name"],
                       [str(quiz.id), "0", "10,000", "Anna"], [str(quiz.id), "0", "10,000", ""],
                       [str(quiz.id), "0", "10,000", ""], [str(quiz.id), "1", "'-1", "'=HYPERLINK(\"x\")"],
                       [str(guess.id), "1", "roof", "Anna"]]
    assert "tok-" not in text
    german = sections(store.results_csv(code, lang="de"))
    assert german[0][0] == ["frage_nr", "art", "frage", "option", "optionstext", "antworten", "ist_richtig",
                            "modell_wahrscheinlichkeit"]
    assert german[1][0] == ["frage_nr", "option", "optionstext", "name"] and german[0][1:] == questions[1:]


def test_a_name_is_kept_printable_and_at_most_40_characters(store):
    code = store.start_class()
    question = store.ask(code, "quiz", "?", ["a", "b"])
    store.answer(code, question.id, "tok-a", 0, name="Lena\tM.\x00 " + "x" * 60)
    assert sections(store.results_csv(code))[1][1][3] == ("Lena M. " + "x" * 60)[:40]


def test_the_store_keeps_no_token_and_no_typed_code(store, store_url, caplog):
    caplog.set_level("DEBUG")
    code = store.start_class()
    question = store.ask(code, "quiz", "?", ["a", "b"])
    store.answer(code, question.id, "browser-token-of-anna", 1, name="Anna")
    store.join("QQQQQQQQ" if code != "QQQQQQQQ" else "RRRRRRRR", "browser-token-of-ben")
    store.join(code, "browser-token-of-cleo")
    stored = repr([rows(store_url, table) for table in TABLES])
    assert "Anna" in stored  # she chose to give it
    for secret in ("browser-token-of", "QQQQQQQQ" if code != "QQQQQQQQ" else "RRRRRRRR"):
        assert secret not in stored
    assert len(rows(store_url, "join_failures")) == 1  # Ben missed once; Cleo, who never missed, left no row
    if store_url.startswith("sqlite"):
        path = Path(store_url.removeprefix("sqlite://"))
        on_disk = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"browser-token-of" not in on_disk
    assert not any("browser-token" in r.getMessage() or "Anna" in r.getMessage() for r in caplog.records)


# ---- expiry ------------------------------------------------------------------------------------------------------
def test_a_class_ends_a_day_after_its_last_change_and_purge_removes_it(store, store_url, clock):
    code = store.start_class()
    clock.advance(DEFAULT_TTL_S - 1)
    store.update(code, page="rope")  # the teacher is still teaching: a day from now
    clock.advance(DEFAULT_TTL_S - 1)
    question = store.ask(code, "quiz", "?", ["a", "b"])
    assert store.get(code).expires_at == clock.now + DEFAULT_TTL_S
    clock.advance(DEFAULT_TTL_S - 1)
    store.answer(code, question.id, "student-a", 0)  # answers do not keep a class alive
    clock.advance(1)
    assert store.get(code) is None and store.join(code, "student-a") is None
    for refused in (lambda: store.answer(code, question.id, "student-b", 0), lambda: store.update(code, step=1),
                    lambda: store.counts(code, question.id), lambda: store.results_csv(code),
                    lambda: store.ask(code, "quiz", "?", ["a", "b"]), lambda: store.close_question(code)):
        with pytest.raises(ClassStoreError):
            refused()
    assert store.purge_expired() == 1 and store.purge_expired() == 0
    assert all(rows(store_url, table) == [] for table in ("classes", "questions", "answers"))


def test_starting_a_class_purges_the_expired_ones(store, store_url, clock):
    old = store.start_class()
    clock.advance(DEFAULT_TTL_S)
    new = store.start_class()
    assert [row[0] for row in rows(store_url, "classes")] == [new] and old != new


def test_a_shorter_lifetime_can_be_chosen(store_url, clock):
    store = ClassStore(store_url, ttl_s=60, clock=clock)
    code = store.start_class()
    clock.advance(59)
    assert store.get(code) is not None
    clock.advance(1)
    assert store.get(code) is None
    store.close()


# ---- wrong codes -------------------------------------------------------------------------------------------------
def test_ten_wrong_codes_lock_one_browser_out_for_the_window_and_no_other(store, clock):
    code = store.start_class()
    wrong = "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"
    for typed in [wrong, "", "abc"] + [wrong] * (JOIN_ATTEMPTS - 3):
        assert store.join(typed, "mallory") is None
        clock.advance(1)
    with pytest.raises(TooManyAttempts) as locked:
        store.join(code, "mallory")  # even the right code, until the window ends
    assert isinstance(locked.value, ClassStoreError)
    assert locked.value.retry_after_s == pytest.approx(JOIN_WINDOW_S - JOIN_ATTEMPTS)
    assert store.join(code, "alice").code == code
    clock.advance(locked.value.retry_after_s - 1)
    with pytest.raises(TooManyAttempts):
        store.join(code, "mallory")
    clock.advance(1)
    assert store.join(code, "mallory").code == code


def test_a_right_code_between_wrong_ones_does_not_reset_the_count(store):
    code = store.start_class()
    wrong = "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"
    for _ in range(JOIN_ATTEMPTS - 1):
        store.join(wrong, "mallory")
    assert store.join(code, "mallory") is not None
    assert store.join(wrong, "mallory") is None
    with pytest.raises(TooManyAttempts):
        store.join(code, "mallory")


# ---- processes, restarts, configuration --------------------------------------------------------------------------
def test_the_class_survives_a_restart(store_url, clock):
    before = ClassStore(store_url, clock=clock)
    code = before.start_class()
    question = before.ask(code, "quiz", "?", ["a", "b"])
    before.answer(code, question.id, "student-a", 1)
    before.close()
    after = ClassStore(store_url, clock=clock)
    assert after.get(code).question == question and after.counts(code, question.id) == [0, 1]
    after.close()


def open_connections(url: str) -> int:
    """Connections to the store now open: this process's file handles on the SQLite file, or PostgreSQL's clients."""
    if url.startswith("sqlite"):
        path = os.path.realpath(url.removeprefix("sqlite://"))
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") == path for fd in os.listdir("/proc/self/fd"))
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                                  "AND pid <> pg_backend_pid()").fetchone()[0]


def test_threads_that_come_and_go_leave_a_bounded_number_of_connections(store, store_url):
    """Streamlit runs each rerun of a page in a new thread: a connection kept per thread would pile up."""
    code = store.start_class()
    before, after_each_wave = open_connections(store_url), []
    for wave in range(5):
        barrier = threading.Barrier(20)
        threads = [threading.Thread(target=lambda b=barrier: (b.wait(timeout=30), store.get(code), store.get(code)))
                   for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        after_each_wave.append(open_connections(store_url))
    assert max(after_each_wave) <= before + 20  # 100 threads, 20 at a time: kept per thread, it would be 100
    if store_url.startswith("postgresql"):  # (SQLite keeps a closed connection's file handle for the next one)
        assert after_each_wave[-1] <= before + classroom.MAX_IDLE_CONNECTIONS


def _students_in_one_process(url, code, question_id, process, barrier, errors):
    """One app replica: ten students answering at once (every third changes their mind), and the teacher's page
    pushing five updates, all released together with the other replicas' by one barrier."""
    store = ClassStore(url)

    def student(i):
        try:
            barrier.wait(timeout=30)
            token = f"student-{process}-{i}"
            if i % 3 == 0:
                store.answer(code, question_id, token, (i + 1) % 4)
            store.answer(code, question_id, token, i % 4)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.put(f"student {process}-{i}: {exc!r}")

    def teacher():
        try:
            barrier.wait(timeout=30)
            for step in range(5):
                store.update(code, step=step)
        except BaseException as exc:  # noqa: BLE001
            errors.put(f"teacher in {process}: {exc!r}")

    threads = [threading.Thread(target=student, args=(i,)) for i in range(10)] + [threading.Thread(target=teacher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_thirty_students_answering_at_once_on_three_replicas_count_exactly(store_url):
    store = ClassStore(store_url)
    code = store.start_class()
    question = store.ask(code, "quiz", "Which?", ["a", "b", "c", "d"])
    version = store.get(code).version
    context = multiprocessing.get_context("fork")  # the children need only the store: no re-import of torch
    barrier, errors = context.Barrier(3 * 11), context.Queue()
    replicas = [context.Process(target=_students_in_one_process,
                                args=(store_url, code, question.id, p, barrier, errors)) for p in range(3)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join(timeout=60)
    for replica in replicas:
        if replica.is_alive():  # bounded: a replica that hangs fails the test instead of the suite
            replica.kill()
            replica.join()
    reported = []
    while not errors.empty():
        reported.append(errors.get(timeout=1))
    assert not reported and [replica.exitcode for replica in replicas] == [0, 0, 0]
    # Options i % 4 for i in 0..9 in each of three replicas: 3, 3, 2, 2 each; every student counted once.
    assert store.counts(code, question.id) == [9, 9, 6, 6]
    assert store.get(code).version == version + 15  # no teacher's update was lost
    store.close()


def test_a_busy_file_gives_a_clear_error_and_reads_go_on(tmp_path, monkeypatch):
    monkeypatch.setattr(classroom, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "classes.sqlite3"
    store = ClassStore(f"sqlite:///{path}")
    code = store.start_class()
    with closing(sqlite3.connect(path, isolation_level=None)) as other_process:
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock
        with pytest.raises(ClassStoreError) as busy:
            store.update(code, step=1)
        assert str(path) not in str(busy.value) and "UPDATE" not in str(busy.value)
        assert store.get(code).version == 1  # WAL: a reader never waits for the writer
        other_process.execute("ROLLBACK")
    assert store.update(code, step=1).version == 2
    store.close()


def test_the_default_store_is_a_private_file_in_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LLAMA_EDU_CLASS_STORE", raising=False)
    monkeypatch.delenv("LLAMA_EDU_DATA", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ClassStore.from_env().close()
    default = tmp_path / "home" / ".local" / "share" / "llama_edu" / "classes.sqlite3"
    assert default.exists() and stat.S_IMODE(default.stat().st_mode) == 0o600
    monkeypatch.setenv("LLAMA_EDU_DATA", str(tmp_path / "data"))
    ClassStore.from_env().close()
    assert (tmp_path / "data" / "classes.sqlite3").exists()
    monkeypatch.setenv("LLAMA_EDU_CLASS_STORE", f"sqlite:///{tmp_path / 'named.sqlite3'}")
    named = ClassStore.from_env()
    code = named.start_class()
    named.close()
    assert ClassStore(f"sqlite:///{tmp_path / 'named.sqlite3'}").get(code) is not None


def test_a_url_of_another_kind_is_refused_without_repeating_it():
    for url in ("mysql://teacher:hunter2@db/classes", "sqlite://relative/classes.sqlite3"):
        with pytest.raises(ValueError) as refused:
            ClassStore(url)
        assert "hunter2" not in str(refused.value)
