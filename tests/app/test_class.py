"""A class the teacher leads, with a teacher's session and students' sessions side by side (AppTests in one process,
sharing one class store, as browser tabs on one server do): the teacher's controls need the secret, a push reaches
followers, follow mode can be left and resumed, answers count once per browser, the class survives a restart."""

import pytest
from apphelpers import APP, assert_no_exception, open_page, shown
from streamlit.testing.v1 import AppTest

from app import classroom
from llama_edu.classroom import JOIN_ATTEMPTS, ClassStore
from llama_edu.lessons import load_lessons

SECRET = "correct horse battery staple"
TEACH = "views/teach.py"


@pytest.fixture
def class_store(tmp_path, monkeypatch):
    """A fresh class store file and a teacher's secret for this test; the app's cached store is dropped before and
    after, so each test sees its own."""
    url = f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    monkeypatch.setenv("LLAMA_EDU_CLASS_STORE", url)
    monkeypatch.setenv("LLAMA_EDU_TEACHER_SECRET", SECRET)
    classroom.store.clear()
    classroom._teacher_attempts.clear()
    yield url
    classroom.store.clear()
    classroom._teacher_attempts.clear()


def browser(token: str, page: str = "views/overview.py", **state) -> AppTest:
    """A student's browser: its token is what its cookie would hold (AppTest sends no cookies)."""
    return open_page(page, _browser_token=token, **state)


def teacher() -> AppTest:
    at = open_page(TEACH, _browser_token="teacher-browser-token-000")
    at.text_input[0].input(SECRET)
    at.button[0].click().run()
    assert_no_exception(at)
    at.button(key="teach_start").click().run()
    assert at.session_state[classroom.TEACHER_CLASS]
    return at


def join(at: AppTest, code: str) -> AppTest:
    at.sidebar.text_input(key="class_code_typed").input(code)
    at.sidebar.button(key="class_join").click().run()
    assert at.session_state[classroom.CLASS] == code
    return at


def test_without_a_secret_on_the_server_nobody_gets_the_controls(class_store, monkeypatch):
    monkeypatch.delenv("LLAMA_EDU_TEACHER_SECRET")
    at = open_page(TEACH)
    assert_no_exception(at)
    assert "LLAMA_EDU_TEACHER_SECRET" in at.info[0].value
    assert not at.main.button and not at.main.text_input  # (the sidebar holds the students' "Join a class")


def test_a_wrong_secret_is_refused_and_guessing_is_limited(class_store):
    at = open_page(TEACH, _browser_token="a-student-browser-token")
    for _ in range(classroom.TEACHER_ATTEMPTS):
        at.text_input[0].input("guess" * 3)
        at.button[0].click().run()
        assert "not the teacher's secret" in at.error[0].value
    at.text_input[0].input(SECRET)  # even the right one, for the rest of the window
    at.button[0].click().run()
    assert "Too many wrong secrets" in at.error[0].value
    assert not at.session_state[classroom.TEACHER] if classroom.TEACHER in at.session_state else True
    assert "teach_start" not in [b.key for b in at.button]


def test_a_student_who_joined_reaches_no_teacher_controls_by_url(class_store):
    code = teacher().session_state[classroom.TEACHER_CLASS]
    student = join(browser("student-token-000000001"), code)
    student.switch_page(TEACH).run()
    assert_no_exception(student)
    assert [b.key for b in student.button if b.key and b.key.startswith("teach_")] == []
    assert student.text_input[0].label == "Teacher's secret"


def test_wrong_codes_are_limited_per_browser(class_store):
    at = browser("a-guessing-browser-000001")
    for i in range(JOIN_ATTEMPTS):
        at.sidebar.text_input(key="class_code_typed").input(f"ZZZZZZ{i:02d}")
        at.sidebar.button(key="class_join").click().run()
        assert "No class has that code" in at.sidebar.warning[0].value
    at.sidebar.text_input(key="class_code_typed").input("ZZZZZZ99")
    at.sidebar.button(key="class_join").click().run()
    assert "Too many wrong codes" in at.sidebar.error[0].value


def test_a_push_reaches_followers_and_follow_mode_can_be_left_and_resumed(class_store):
    teach = teacher()
    code = teach.session_state[classroom.TEACHER_CLASS]
    student = AppTest.from_file(str(APP), default_timeout=60)  # a new browser tab opened from the QR code's link
    student.session_state["_browser_token"] = "student-token-000000002"
    student.query_params["class"] = code
    student.run()
    assert student.session_state[classroom.CLASS] == code
    # The teacher shows the Attention page on their prompt, pointing at layer 3, head 0.
    teach.session_state["prompt"] = "The owl sang on the roof"
    teach.run()
    teach.selectbox(key="teach_page").set_value("attention")
    teach.toggle(key="teach_point").set_value(True).run()
    teach.number_input(key="teach_layer").set_value(3)
    teach.number_input(key="teach_head").set_value(0)
    teach.button(key="teach_push").click().run()
    student.run()  # what the follower's bar does every two seconds
    assert_no_exception(student)
    assert student.session_state["prompt"] == "The owl sang on the roof"
    assert (student.session_state["attn_layer"], student.session_state["attn_head"]) == (3, 0)
    assert any("you follow the teacher" in i.value for i in student.info)
    # The student leaves to explore: a new push does not move them; one click brings them back to it.
    student.button(key="class_explore").click().run()
    teach.selectbox(key="teach_page").set_value("lessons").run()
    teach.selectbox(key="teach_lesson").set_value("attention")
    teach.number_input(key="teach_step").set_value(2)
    teach.button(key="teach_push").click().run()
    student.run()
    assert "attn_layer" in student.session_state and "lesson" not in student.query_params
    student.button(key="class_follow_again").click().run()
    student.run()
    assert (student.query_params.get("lesson"), student.query_params.get("step")) == ("attention", "2")
    assert student.title[0].value == load_lessons()[6].title


def test_answers_count_once_per_browser_and_a_second_answer_replaces_the_first(class_store):
    teach = teacher()
    code = teach.session_state[classroom.TEACHER_CLASS]
    teach.radio(key="teach_kind").set_value("quiz").run()
    teach.selectbox(key="teach_quiz_lesson").set_value("attention").run()
    teach.button(key="teach_ask").click().run()
    question = ClassStore(class_store).get(code).question
    quiz = next(lesson for lesson in load_lessons() if lesson.id == "attention").quiz[0]
    assert (question.text, question.options, question.answer) == (quiz.question, tuple(quiz.options), quiz.answer)
    students = [join(browser(f"student-token-1000000{i}"), code) for i in range(3)]
    def send(at, choice):  # a click on an option reruns the page (the button is enabled then), then "Send"
        at.radio(key=f"class_answer_{code}_{question.id}").set_value(choice).run()
        at.button(key=f"class_answer_{code}_{question.id}_send").click().run()

    for at, choice in zip(students, (0, 1, 1)):
        send(at, choice)
    assert ClassStore(class_store).counts(code, question.id)[:2] == [1, 2]
    # The first student changes their mind, then reloads (a new session, the same browser) and answers again.
    send(students[0], 1)
    students[2].text_input(key="class_name").input("Ada")  # one student chooses to give a name
    send(students[2], 1)
    reloaded = join(browser("student-token-10000000"), code)
    send(reloaded, 2)
    counts = ClassStore(class_store).counts(code, question.id)
    assert sum(counts) == 3 and counts[1] == 2 and counts[2] == 1
    # Reveal: every student sees the right answer and the class's shares; the teacher's figure has the counts.
    teach.button(key="teach_reveal").click().run()
    students[1].run()
    assert any(shown(line.value).startswith(f"✓ {quiz.options[quiz.answer]}") for line in students[1].markdown)
    csv = ClassStore(class_store).results_csv(code)
    assert quiz.question.split(",")[0] in csv
    assert "Ada" in csv and "student-token" not in csv  # the name given, no browser's token


def test_the_class_survives_a_restart(class_store):
    code = teacher().session_state[classroom.TEACHER_CLASS]
    student = join(browser("student-token-000000003"), code)
    classroom.store.clear()  # the server restarts: its processes open the store file again
    student.run()
    assert_no_exception(student)
    assert any(classroom.spaced(code) in i.value for i in student.info)


def test_german_students_see_the_class_in_german(class_store):
    code = teacher().session_state[classroom.TEACHER_CLASS]
    student = browser("student-token-000000004", lang="de")
    join(student, code)
    assert any("Du folgst der Lehrkraft" in i.value for i in student.info)
