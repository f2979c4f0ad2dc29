"""A live class, shared by every process of the app: what the teacher shows, which students follow, what they answer.

The teacher starts a class and reads its code off the projector; students join with the code, and their pages follow
the teacher's prompt, page, lesson step, layer, head and model. The teacher asks a question (a lesson's quiz question,
or "which token comes next?"), students answer, and the counts are exact however many replicas of the app serve them.

    store = ClassStore.from_env()                     # LLAMA_EDU_CLASS_STORE, default one SQLite file
    code = store.start_class()                        # "7KQ2MX9P", shown to the class
    store.update(code, prompt="The cat sat on the mat", page="attention", layer=3, head=0)
    store.join("7kq2-mx9p", who=browser_token)        # a student's page: when .version changes, follow
    q = store.ask(code, "quiz", "What does RMSNorm leave out?", ["the mean", "the gain"], answer=0)
    store.answer(code, q.id, student=browser_token, option=0)
    store.counts(code, q.id)                          # [1, 0]

The class lives in a database, not in a process, so a push reaches students on any replica and survives a restart.
SQLite (one file, WAL, every write in a `BEGIN IMMEDIATE` transaction) serves replicas on one machine; PostgreSQL
(psycopg 3) serves replicas anywhere. Both run the same SQL: it is written with `?` and PostgreSQL gets `%s`.

Privacy: a student's and a browser's token are stored only as SHA-256 digests; a name only if the student gave one;
a wrong code typed at join is not stored (only that this browser failed, and when). Nothing here logs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import sqlite3
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a projector
CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes
DEFAULT_TTL_S = 24 * 3600  # classes and answers expire a day after the class's last change
JOIN_ATTEMPTS, JOIN_WINDOW_S = 10, 600  # failed joins allowed per `who` per window

STORE_ENV = "LLAMA_EDU_CLASS_STORE"  # a URL: sqlite:///abs/path/classes.sqlite3 or postgresql://user@host:port/db
DATA_ENV = "LLAMA_EDU_DATA"  # the folder of the default SQLite file
KINDS = ("quiz", "next_token")
FIELDS = {"prompt": str, "page": str, "lesson": str, "step": int, "layer": int, "head": int,
          "model": str}  # what update() sets
NAME_MAX_CHARS = 40
BUSY_TIMEOUT_S = 15  # how long a write waits for another process's write before giving up (each takes ~1 ms)
MAX_IDLE_CONNECTIONS = 8  # per store and process; more are opened while more threads need one at once
_FROM_PARENT: list = []  # connections a forked process inherited: never used, never closed there


class ClassStoreError(Exception):
    """The store refused or could not do it; the message says why in words a student may read."""


class TooManyAttempts(ClassStoreError):
    """Too many wrong class codes from one browser: it may try again in `retry_after_s` seconds."""

    def __init__(self, retry_after_s: float):
        super().__init__(f"too many wrong class codes: try again in {max(1, round(retry_after_s / 60))} min")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Question:
    id: int
    kind: str  # "quiz" | "next_token"
    text: str
    options: tuple[str, ...]
    answer: int | None  # index of the right option (quiz), None for a prediction
    extra: dict  # JSON-able: {"probabilities": [...]} the model's own, shown on reveal; {"lesson": id, "quiz": i}
    revealed: bool
    asked_at: float


@dataclass(frozen=True)
class ClassState:
    code: str
    version: int  # +1 on every update/ask/reveal/close: followers poll it
    prompt: str | None
    page: str | None  # url path of an app page, e.g. "attention", "lessons"
    lesson: str | None  # lesson id
    step: int | None
    layer: int | None
    head: int | None
    question: Question | None  # the current question (open or revealed), None when none asked / closed
    expires_at: float
    model: str | None = None  # the model picker's label the teacher showed (a checkpoint in the models folder)


# ---- the schema: one text for both databases -------------------------------------------------------------------
# Times are seconds since the epoch from the store's clock. A question id is never reused (AUTOINCREMENT, IDENTITY),
# so an old answer can never count for a new question.
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS classes (
        code        TEXT PRIMARY KEY,
        version     BIGINT NOT NULL,
        prompt      TEXT,
        page        TEXT,
        lesson      TEXT,
        step        BIGINT,
        layer       BIGINT,
        head        BIGINT,
        question_id BIGINT,                 -- the current question; NULL when none
        changed_at  DOUBLE PRECISION NOT NULL,
        expires_at  DOUBLE PRECISION NOT NULL,
        model       TEXT)                   -- the model picker's label: last, where COLUMNS_ADDED puts it""",
    "CREATE INDEX IF NOT EXISTS classes_by_expiry ON classes (expires_at)",
    """CREATE TABLE IF NOT EXISTS questions (
        id          {id_column},
        code        TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        body        TEXT NOT NULL,
        options     TEXT NOT NULL,          -- JSON list of strings
        n_options   BIGINT NOT NULL,
        answer      BIGINT,
        extra       TEXT NOT NULL,          -- JSON object
        revealed    BIGINT NOT NULL,
        asked_at    DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS questions_by_class ON questions (code)",
    """CREATE TABLE IF NOT EXISTS answers (
        question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        student     TEXT NOT NULL,          -- SHA-256 of the student's token
        choice      BIGINT NOT NULL,
        name        TEXT,                   -- only if the student gave one
        PRIMARY KEY (question_id, student))""",
    """CREATE TABLE IF NOT EXISTS join_failures (
        who          TEXT PRIMARY KEY,      -- SHA-256 of the browser's token
        window_start DOUBLE PRECISION NOT NULL,
        failures     BIGINT NOT NULL)""",
)

# Columns added to a table after stores were first made: a store file made before gets them when it is opened.
COLUMNS_ADDED = (("classes", "model", "TEXT"),)

DIALECTS = {
    "sqlite": {"placeholder": "?", "id_column": "INTEGER PRIMARY KEY AUTOINCREMENT",
               "begin_write": "BEGIN IMMEDIATE", "begin_read": "BEGIN", "schema_lock": None, "snapshot": None,
               "columns": "SELECT name FROM pragma_table_info(?)"},
    "postgresql": {"placeholder": "%s", "id_column": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                   "begin_write": None, "begin_read": None,
                   # replicas starting together would race on CREATE TABLE IF NOT EXISTS; this lock takes turns
                   "schema_lock": "SELECT pg_advisory_xact_lock(170017)",
                   "snapshot": "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                   "columns": """SELECT column_name FROM information_schema.columns
                                 WHERE table_name = ? AND table_schema = current_schema()"""},
}

STATE_COLUMNS = """c.code, c.version, c.prompt, c.page, c.lesson, c.step, c.layer, c.head, c.model, c.expires_at,
    q.id, q.kind, q.body, q.options, q.answer, q.extra, q.revealed, q.asked_at"""
SELECT_STATE = f"""SELECT {STATE_COLUMNS} FROM classes c LEFT JOIN questions q ON q.id = c.question_id
    WHERE c.code = ? AND c.expires_at > ?"""

# CSV column headers: the English keys and their German words.
CSV_HEADERS = {
    "en": {"question_id": "question_id", "kind": "kind", "question": "question", "option": "option",
           "option_text": "option_text", "answers": "answers", "is_answer": "is_answer",
           "model_probability": "model_probability", "name": "name"},
    "de": {"question_id": "frage_nr", "kind": "art", "question": "frage", "option": "option",
           "option_text": "optionstext", "answers": "antworten", "is_answer": "ist_richtig",
           "model_probability": "modell_wahrscheinlichkeit", "name": "name"},
}
QUESTION_COLUMNS = ("question_id", "kind", "question", "option", "option_text", "answers", "is_answer",
                    "model_probability")
ANSWER_COLUMNS = ("question_id", "option", "option_text", "name")


def normalise_code(code: str) -> str:
    """What a student typed, as a code: upper case, without spaces and dashes ("abcd-efgh" -> "ABCDEFGH")."""
    return "".join(ch for ch in str(code).upper() if not ch.isspace() and ch != "-")


def _well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def _digest(kind: str, token: str) -> str:
    """A token as stored: its SHA-256, so the store never holds a browser's token itself."""
    return hashlib.sha256(f"{kind}:{token}".encode()).hexdigest()


def clean_name(name: str | None) -> str | None:
    """A student's chosen name as kept: printable, whitespace collapsed, at most NAME_MAX_CHARS; None if empty."""
    if name is None:
        return None
    kept = " ".join("".join(ch if ch.isprintable() else " " for ch in str(name)).split())[:NAME_MAX_CHARS].strip()
    return kept or None


def _spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (a student's name "=HYPERLINK(...)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def default_url() -> str:
    """LLAMA_EDU_CLASS_STORE, else a SQLite file in the user's data folder: $LLAMA_EDU_DATA, else
    $XDG_DATA_HOME/llama_edu (~/.local/share/llama_edu)."""
    if os.environ.get(STORE_ENV):
        return os.environ[STORE_ENV]
    return f"sqlite:///{data_folder() / 'classes.sqlite3'}"


def data_folder() -> Path:
    """Where a server keeps what it makes (the class store's file, models trained in class): $LLAMA_EDU_DATA, else
    $XDG_DATA_HOME/llama_edu (~/.local/share/llama_edu). Not created here."""
    folder = os.environ.get(DATA_ENV) or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share",
                                               "llama_edu")
    return Path(folder).expanduser().resolve()


class _Db:
    """One transaction's cursor: SQL written with `?` runs on either database."""

    def __init__(self, connection, placeholder: str):
        self._connection, self._placeholder = connection, placeholder

    def run(self, sql: str, params: tuple = ()):
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        return self._connection.execute(sql, params)


class ClassStore:
    """The classes of this server, in SQLite or PostgreSQL. Thread-safe: a transaction has a connection to itself."""

    def __init__(self, url: str | None = None, *, ttl_s: float = DEFAULT_TTL_S, clock=time.time):
        url = url or default_url()
        self.ttl_s, self._clock = float(ttl_s), clock
        self._lock = threading.Lock()
        self._idle: list = []  # connections not in use, last given back first
        self._pid, self._closed = os.getpid(), False
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self._path = Path(url.removeprefix("sqlite://"))
            if not self._path.is_absolute():
                raise ValueError("a SQLite class store needs an absolute path: sqlite:///abs/path/classes.sqlite3")
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Names are personal: the file (and SQLite's -wal and -shm beside it, which copy its mode) is the owner's.
            os.close(os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600))
            self._errors: tuple = (sqlite3.Error,)
        elif url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.dialect = "postgresql"
            self._url = url
            self._errors = (psycopg.Error,)
        else:  # the URL is not repeated: it may hold a password
            raise ValueError("the class store URL must start with sqlite:/// or postgresql://")
        self._sql = DIALECTS[self.dialect]
        with self._transaction(write=True) as db:
            if self._sql["schema_lock"]:
                db.run(self._sql["schema_lock"])
            for statement in SCHEMA:
                db.run(statement.format(id_column=self._sql["id_column"]))
            for table, column, kind in COLUMNS_ADDED:  # inside the schema's transaction: replicas take turns
                if column not in {row[0] for row in db.run(self._sql["columns"], (table,)).fetchall()}:
                    db.run(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    @classmethod
    def from_env(cls) -> ClassStore:
        """The store LLAMA_EDU_CLASS_STORE names, else the default SQLite file (see default_url)."""
        return cls(default_url())

    # ---- connections and transactions --------------------------------------------------------------------------
    # Not one connection per thread: Streamlit runs every rerun of a session (and every poll of a fragment) in a new
    # thread, so per-thread connections would pile up. A transaction borrows an idle connection (or opens one) and
    # gives it back: no two threads ever use one connection at once, and at most MAX_IDLE_CONNECTIONS stay open.
    def _connect(self):
        if self.dialect == "sqlite":
            connection = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                         check_same_thread=False)  # borrowed by one thread at a time
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer, nor it for them
            connection.execute("PRAGMA synchronous = NORMAL")  # WAL stays consistent; a power cut may lose the last
            connection.execute("PRAGMA foreign_keys = ON")
            return connection
        import psycopg

        return psycopg.connect(self._url, autocommit=True, connect_timeout=10)

    def _reusable(self, connection) -> bool:
        if self.dialect == "sqlite":
            return not connection.in_transaction
        from psycopg.pq import TransactionStatus

        return (not connection.closed and not connection.broken
                and connection.info.transaction_status == TransactionStatus.IDLE)

    @contextmanager
    def _borrowed(self):
        """An idle connection of this process, or a new one; given back afterwards if it is still sound."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's connections are the parent's
                _FROM_PARENT.extend(self._idle)  # kept, never closed here (closing could disturb the parent)
                self._idle, self._pid = [], os.getpid()
            connection = self._idle.pop() if self._idle else None
        connection = connection or self._connect()
        try:
            yield connection
        finally:
            with self._lock:
                keep = self._pid == os.getpid() and len(self._idle) < MAX_IDLE_CONNECTIONS and not self._closed
                if keep and self._reusable(connection):
                    self._idle.append(connection)
                    connection = None
            if connection is not None:
                connection.close()

    @contextmanager
    def _transaction(self, write: bool):
        """One transaction. SQLite: `BEGIN IMMEDIATE` takes the file's write lock first (waiting up to
        BUSY_TIMEOUT_S), so writes from every process take turns and never fail half-way; reads see one snapshot.
        PostgreSQL: a transaction; row locks and ON CONFLICT upserts keep concurrent writes exact."""
        try:
            with self._borrowed() as connection:
                if self.dialect == "sqlite":
                    connection.execute(self._sql["begin_write" if write else "begin_read"])
                    try:
                        yield _Db(connection, self._sql["placeholder"])
                        connection.execute("COMMIT")
                    except BaseException:
                        if connection.in_transaction:
                            connection.execute("ROLLBACK")
                        raise
                else:
                    with connection.transaction():
                        if not write:
                            connection.execute(self._sql["snapshot"])
                        yield _Db(connection, self._sql["placeholder"])
        except self._errors as exc:
            raise ClassStoreError("the class store is busy or unreachable: try again") from exc

    def close(self) -> None:
        """Close the idle connections; those in use close when given back (a store otherwise lives as long as its
        process)."""
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection in idle:
            connection.close()

    # ---- classes -----------------------------------------------------------------------------------------------
    def start_class(self) -> str:
        """A new class with an unused random code; expired classes are purged first."""
        self.purge_expired()
        now = self._clock()
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            with self._transaction(write=True) as db:
                added = db.run("""INSERT INTO classes (code, version, changed_at, expires_at) VALUES (?, 1, ?, ?)
                                  ON CONFLICT (code) DO NOTHING""", (code, now, now + self.ttl_s)).rowcount
            if added == 1:
                return code
        raise ClassStoreError("no unused class code was found: try again")

    def get(self, code: str) -> ClassState | None:
        """The class, or None if there is none with this code (or it has expired)."""
        code = normalise_code(code)
        if not _well_formed(code):
            return None
        with self._transaction(write=False) as db:
            return self._state(db, code)

    def join(self, code: str, who: str) -> ClassState | None:
        """Like get, for a code a student typed: each miss counts against `who` (the browser's token), and after
        JOIN_ATTEMPTS misses in JOIN_WINDOW_S it raises TooManyAttempts, whatever code comes next, until the window
        ends. A join that succeeds does not clear the misses (else one known code would reset the count)."""
        code, who, now = normalise_code(code), _digest("who", who), self._clock()
        with self._transaction(write=True) as db:
            # One statement locks this browser's row and starts a new window when the last one has ended; in
            # PostgreSQL the row lock makes a second join of the same browser wait, so the count is exact there too.
            failures, window_start = db.run(
                """INSERT INTO join_failures (who, window_start, failures) VALUES (?, ?, 0)
                   ON CONFLICT (who) DO UPDATE SET
                     failures = CASE WHEN join_failures.window_start <= ? THEN 0 ELSE join_failures.failures END,
                     window_start = CASE WHEN join_failures.window_start <= ? THEN excluded.window_start
                                         ELSE join_failures.window_start END
                   RETURNING failures, window_start""",
                (who, now, now - JOIN_WINDOW_S, now - JOIN_WINDOW_S)).fetchall()[0]
            if failures >= JOIN_ATTEMPTS:
                raise TooManyAttempts(max(0.0, window_start + JOIN_WINDOW_S - now))
            state = self._state(db, code) if _well_formed(code) else None
            if state is None:
                db.run("UPDATE join_failures SET failures = failures + 1 WHERE who = ?", (who,))
            else:  # keep no row for a browser that never missed
                db.run("DELETE FROM join_failures WHERE who = ? AND failures = 0", (who,))
            return state

    def update(self, code: str, **fields) -> ClassState:
        """Set what followers see (any of prompt, page, lesson, step, layer, head, model; None clears one)."""
        for field, value in fields.items():
            if field not in FIELDS:
                raise ValueError(f"unknown class field {field!r}: one of {', '.join(FIELDS)}")
            if value is not None and (not isinstance(value, FIELDS[field]) or isinstance(value, bool)):
                raise ValueError(f"{field} must be {FIELDS[field].__name__} or None")
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{field} holds a NUL character")
            if isinstance(value, int) and value < 0:
                raise ValueError(f"{field} must not be negative")
        with self._transaction(write=True) as db:
            self._touch(db, code, ", ".join(f"{field} = ?" for field in fields), tuple(fields.values()))
            return self._state(db, normalise_code(code))

    def ask(self, code: str, kind: str, text: str, options: list[str], answer: int | None = None,
            extra: dict | None = None) -> Question:
        """A new question; it becomes the class's current one (the previous one's answers stay, for the CSV)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        options = tuple(options)
        if len(options) < 2 or not all(isinstance(option, str) for option in options) or not isinstance(text, str):
            raise ValueError("a question needs a text and at least two options, all strings")
        if "\x00" in text or any("\x00" in option for option in options):
            raise ValueError("a question holds a NUL character")
        if answer is not None and (isinstance(answer, bool) or not isinstance(answer, int)
                                   or not 0 <= answer < len(options)):
            raise ValueError("answer must be the index of one of the options, or None")
        try:
            extra_json = json.dumps(dict(extra or {}), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError("extra must hold only JSON values") from exc
        extra = json.loads(extra_json)  # as get() will read it back: tuples become lists
        now = self._clock()
        with self._transaction(write=True) as db:
            self._touch(db, code)
            question_id = db.run("""INSERT INTO questions (code, kind, body, options, n_options, answer, extra,
                                                           revealed, asked_at)
                                    VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id""",
                                 (normalise_code(code), kind, text, json.dumps(options, ensure_ascii=False),
                                  len(options), answer, extra_json, now)).fetchall()[0][0]
            db.run("UPDATE classes SET question_id = ? WHERE code = ?", (question_id, normalise_code(code)))
        return Question(question_id, kind, text, options, answer, extra, False, now)

    def reveal(self, code: str, question_id: int) -> None:
        """Show the answer (and the class's shares) of one of this class's questions; answers to it close."""
        with self._transaction(write=True) as db:
            self._touch(db, code)
            if db.run("UPDATE questions SET revealed = 1 WHERE id = ? AND code = ?",
                      (int(question_id), normalise_code(code))).rowcount != 1:
                raise ClassStoreError("this class has no such question")

    def close_question(self, code: str) -> None:
        """No current question (its answers stay, for the CSV)."""
        with self._transaction(write=True) as db:
            self._touch(db, code, "question_id = NULL")

    def answer(self, code: str, question_id: int, student: str, option: int, name: str | None = None) -> None:
        """The student's answer to the current question; a second answer replaces the first (one statement, so two
        at once still leave exactly one). Refused: an option out of range, a question not current or revealed, a
        class that has ended."""
        if isinstance(option, bool) or not isinstance(option, int) or option < 0:
            raise ClassStoreError("that option does not exist")
        code, question_id, now = normalise_code(code), int(question_id), self._clock()
        with self._transaction(write=True) as db:
            added = db.run(
                """INSERT INTO answers (question_id, student, choice, name)
                   SELECT q.id, ?, ?, ? FROM questions q JOIN classes c ON c.question_id = q.id
                   WHERE q.id = ? AND c.code = ? AND c.expires_at > ? AND q.revealed = 0 AND ? < q.n_options
                   ON CONFLICT (question_id, student) DO UPDATE SET choice = excluded.choice, name = excluded.name""",
                (_digest("student", student), option, clean_name(name), question_id, code, now, option)).rowcount
            if added != 1:
                raise ClassStoreError(self._why_not_answered(db, code, question_id, now))

    def _why_not_answered(self, db: _Db, code: str, question_id: int, now: float) -> str:
        row = db.run("""SELECT c.question_id, q.revealed FROM classes c LEFT JOIN questions q ON q.id = c.question_id
                        WHERE c.code = ? AND c.expires_at > ?""", (code, now)).fetchone()
        if row is None:
            return "this class has ended"
        if row[0] != question_id:
            return "this question is no longer open"
        return "answers are closed: the answer has been shown" if row[1] else "that option does not exist"

    def counts(self, code: str, question_id: int) -> list[int]:
        """How many students chose each option of this class's question (exact: one statement, one snapshot)."""
        with self._transaction(write=False) as db:
            rows = db.run("""SELECT q.n_options, a.choice, COUNT(a.student)
                             FROM questions q JOIN classes c ON c.code = q.code
                             LEFT JOIN answers a ON a.question_id = q.id
                             WHERE q.id = ? AND c.code = ? AND c.expires_at > ?
                             GROUP BY q.n_options, a.choice""",
                          (int(question_id), normalise_code(code), self._clock())).fetchall()
        if not rows:
            raise ClassStoreError("this class has no such question, or it has ended")
        counts = [0] * rows[0][0]
        for _, choice, count in rows:
            if choice is not None:
                counts[choice] = count
        return counts

    def results_csv(self, code: str, lang: str = "en") -> str:
        """Every question of the class with its options, counts, right answer and the model's probability (where
        the question has one), then one row per answer with the student's name only if they gave one. No tokens.
        Headers in English or German (lang="de"); numbers as they are (no locale)."""
        code, headers = normalise_code(code), CSV_HEADERS.get(lang, CSV_HEADERS["en"])
        with self._transaction(write=False) as db:
            if self._state(db, code) is None:
                raise ClassStoreError("this class has ended")
            questions = db.run("SELECT id, kind, body, options, answer, extra FROM questions WHERE code = ? "
                               "ORDER BY id", (code,)).fetchall()
            answers = db.run("""SELECT a.question_id, a.choice, a.name FROM answers a
                                JOIN questions q ON q.id = a.question_id WHERE q.code = ?""", (code,)).fetchall()
        out = io.StringIO()
        table = csv.writer(out, lineterminator="\n")
        table.writerow([headers[column] for column in QUESTION_COLUMNS])
        options_of, chosen = {}, Counter((question_id, choice) for question_id, choice, _ in answers)
        for question_id, kind, body, options_json, answer, extra_json in questions:
            options, extra = json.loads(options_json), json.loads(extra_json)
            options_of[question_id] = options
            probabilities = extra.get("probabilities")
            if not (isinstance(probabilities, list) and len(probabilities) == len(options)):
                probabilities = [""] * len(options)
            for i, option in enumerate(options):
                table.writerow([question_id, kind, _spreadsheet_safe(body), i, _spreadsheet_safe(option),
                                chosen[question_id, i],
                                "" if answer is None else int(answer == i), probabilities[i]])
        table.writerow([])
        table.writerow([headers[column] for column in ANSWER_COLUMNS])
        # Ordered by question, option and name, not by time: the order tells nothing about who answered when.
        for question_id, choice, name in sorted(answers, key=lambda a: (a[0], a[1], a[2] is None, a[2] or "")):
            table.writerow([question_id, choice, _spreadsheet_safe(options_of[question_id][choice]),
                            _spreadsheet_safe(name or "")])
        return out.getvalue()

    def purge_expired(self) -> int:
        """Delete the classes that have expired, with their questions and answers, and join misses whose window
        has ended. Returns how many classes went."""
        now = self._clock()
        with self._transaction(write=True) as db:
            db.run("""DELETE FROM answers WHERE question_id IN
                      (SELECT q.id FROM questions q JOIN classes c ON c.code = q.code WHERE c.expires_at <= ?)""",
                   (now,))
            db.run("DELETE FROM questions WHERE code IN (SELECT code FROM classes WHERE expires_at <= ?)", (now,))
            purged = db.run("DELETE FROM classes WHERE expires_at <= ?", (now,)).rowcount
            db.run("DELETE FROM join_failures WHERE window_start <= ?", (now - JOIN_WINDOW_S,))
        return purged

    # ---- inside a transaction ----------------------------------------------------------------------------------
    def _touch(self, db: _Db, code: str, assignments: str = "", params: tuple = ()) -> None:
        """A teacher's change: version + 1 and a new expiry (in PostgreSQL this locks the class's row until the
        transaction ends, so the teacher's changes take turns)."""
        now = self._clock()
        sets = f"{assignments + ', ' if assignments else ''}version = version + 1, changed_at = ?, expires_at = ?"
        if db.run(f"UPDATE classes SET {sets} WHERE code = ? AND expires_at > ?",
                  (*params, now, now + self.ttl_s, normalise_code(code), now)).rowcount != 1:
            raise ClassStoreError("there is no class with this code, or it has ended")

    def _state(self, db: _Db, code: str) -> ClassState | None:
        row = db.run(SELECT_STATE, (code, self._clock())).fetchone()
        if row is None:
            return None
        (code, version, prompt, page, lesson, step, layer, head, model, expires_at,
         question_id, kind, body, options, answer, extra, revealed, asked_at) = row
        question = None if question_id is None else Question(
            int(question_id), kind, body, tuple(json.loads(options)), None if answer is None else int(answer),
            json.loads(extra), bool(revealed), float(asked_at))
        return ClassState(code, int(version), prompt, page, lesson, step, layer, head, question, float(expires_at),
                          model)
