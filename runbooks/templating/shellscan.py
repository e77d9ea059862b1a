"""A POSIX-shell reader that knows the quoting state at each placeholder marker of a rendered command.

It reads what the shell reads: words and operators, '…', "…", $'…', $(…), backticks, ${…}, $((…)), (( )),
here-documents (the body is cut at the delimiter line first, as the shell does, then read for expansions), comments.
Each marker gets the context it sits in; each simple command is handed to `shellrules` to find placements where a
program would treat the value as code. What it cannot read with certainty is an issue: the renderer then refuses
every placeholder of that command instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runbooks.templating.engine import MARKER, marker
from runbooks.templating.shellargs import leading_markers, option_words, xargs_program
from runbooks.templating.shellfiles import code_texts, run, written
from runbooks.templating.shellflow import follow, refuse_names
from runbooks.templating.shellrules import DYNAMIC, Word, analyse, stdin_program
from runbooks.templating.shellstate import COMMENT, DOUBLE, HEREDOC, SINGLE, UNQUOTED, Scan, settle

__all__ = ["COMMENT", "DOUBLE", "HEREDOC", "SINGLE", "UNQUOTED", "Scan", "scan"]

OPERATORS = [";;&", "&&", "||", ";;", ";&", "|&", ";", "&", "|"]
REDIRECTS = ["&>>", "&>", ">>", ">|", "<>", ">&", "<&", ">", "<"]
HEREDOC_OP = re.compile(r"<<(-?)")


NAME_REFERENCE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\})")


def scan(text: str) -> Scan:
    """Contexts and refusals of every marker in `text` (a rendered command with markers)."""
    result = Scan()
    _Reader(text, result).commands("")
    settle(result)
    return result


@dataclass
class _Heredoc:
    delimiter: str
    quoted: bool
    strip_tabs: bool
    program: str = ""  # set when the command it feeds reads its program (or xargs its arguments) from standard input
    kind: str = "nested"
    written: list[list[int]] = field(default_factory=list)  # markers written to files by the command it feeds


class _Reader:
    def __init__(self, text: str, result: Scan) -> None:
        self.t, self.i, self.r = text, 0, result
        self.heredocs: list[_Heredoc] = []
        self.herestrings: list[int] = []
        self.redirects: list[tuple[str, Word]] = []  # of the simple command being read

    def at(self, offset: int = 0) -> str:
        return self.t[self.i + offset] if self.i + offset < len(self.t) else ""

    def marker_at(self, position: int) -> int | None:
        match = MARKER.match(self.t, position)
        return int(match.group(1)) if match else None

    def sub(self, text: str) -> _Reader:
        return _Reader(text, self.r)

    def mark(self) -> tuple[int, int, int]:
        return len(self.r.order), len(self.heredocs), len(self.herestrings)

    def commands(self, closer: str) -> None:
        """A command list up to `closer` (')' ends $(…) and subshells; '' reads to the end)."""
        outer, self.redirects = self.redirects, []  # `cmd > f $(…)`: the inner commands have their own
        self.command_list(closer)
        self.redirects = outer

    def command_list(self, closer: str) -> None:
        words: list[Word] = []
        start, pipe = self.mark(), None
        first = start[0]
        while self.i < len(self.t):
            c = self.t[self.i]
            if c in " \t" or self.t.startswith("\\\n", self.i):
                self.i += 1 if c in " \t" else 2
            elif c == "\n":
                pipe = self.finish(words, start, pipe, "", first) if words else pipe  # `a |⏎ b` is one pipeline
                self.redirects = []
                words, start = [], self.mark()
                self.i += 1
                self.read_heredocs()
                start = self.mark()
            elif c == "#":
                self.comment()
            elif closer and c == closer:
                self.finish(words, start, pipe, "", first)
                self.i += 1
                return
            elif c == ")":
                self.r.issues.append("an unbalanced ')' (case … esac is not read)")
                self.i += 1
            elif c == "(":
                words = self.paren(words, start)
            elif c in "<>" or self.t.startswith("&>", self.i):
                self.redirect(words)
            elif (op := next((o for o in OPERATORS if self.t.startswith(o, self.i)), "")) != "":
                if op in {";;", ";&", ";;&"}:
                    self.r.issues.append("case … esac is not read")
                pipe = self.finish(words, start, pipe, op, first)
                words, start = [], self.mark()
                self.i += len(op)
            else:
                words.append(self.word())
                if len(words) == 1 and words[0].text == "case" and not words[0].quoted:
                    self.r.issues.append("case … esac is not read")
        self.finish(words, start, pipe, "", first)
        if self.heredocs:
            self.r.issues.append("a here-document without its body")
        if closer:
            self.r.issues.append(f"a missing '{closer}'")

    def finish(
        self, words: list[Word], start: tuple[int, int, int], pipe: int | None, op: str, first: int = 0
    ) -> int | None:
        """Analyse a simple command that ended; returns where a pipeline into the next command may have begun.

        A pipe into a program that reads code refuses every value of the command list before it: a pipeline can
        start inside `{ …; }` or a loop, which this reader does not track, so it does not guess where."""
        for index, kind, detail in analyse(words):
            self.r.refuse(index, kind, detail)
        self.options(words)
        follow(self.r, words)
        program, xargs = stdin_program(words), xargs_program(words)
        if program or xargs:
            # What reaches its standard input (a pipe, a here-document, a here-string) is its program (or xargs
            # makes it arguments).
            kind, detail = ("nested", f"`{program}`, which reads its program from") if program else ("xargs", xargs)
            for heredoc in self.heredocs[start[1] :]:
                heredoc.kind, heredoc.program = kind, detail + (" this here-document" if program else "")
            fed = self.herestrings[start[2] :] + (self.r.order[pipe : start[0]] if pipe is not None else [])
            for index in fed:
                self.r.refuse(index, kind, detail + (" standard input" if program else ""))
        self.files(words, start, pipe)
        return first if op in {"|", "|&"} else None

    def files(self, words: list[Word], start: tuple[int, int, int], pipe: int | None) -> None:
        """Files this command writes (with the values that reach its output) and files it runs."""
        # Every value read since the command (or the pipeline into it) began: words, $(…), here-strings (a value in
        # a target's name is not written into it).
        targets = {m for _, w in self.redirects for m in w.markers}
        values = [m for m in self.r.order[start[0] if pipe is None else pipe :] if m not in targets]
        for path in written(words, self.redirects):
            record = (path, list(values))
            self.r.writes.append(record)
            for heredoc in self.heredocs[start[1] :]:
                heredoc.written.append(record[1])  # its body, read after this line, is written there too
        self.r.runs += run(words, self.redirects)
        for code in code_texts(words):  # `sh -c '. /tmp/f'`, `eval ". /tmp/f"` run files too
            self.r.runs += scan(code).runs
        self.redirects = []

    def options(self, words: list[Word]) -> None:
        """Record the markers that begin an argument word (a program may read the value as an option)."""
        for word, ended, chars in option_words(words):
            leading = leading_markers(word.text)
            for index in leading:
                site = self.r.place(index, UNQUOTED)
                site.starts_word, site.after_dashdash = True, ended
            if not ended:
                self.r.option_group(leading, chars)

    def comment(self) -> None:
        stop = self.t.find("\n", self.i)
        stop = len(self.t) if stop < 0 else stop
        for match in MARKER.finditer(self.t, self.i, stop):
            self.r.place(int(match.group(1)), COMMENT)
        self.i = stop

    def paren(self, words: list[Word], start: tuple[int, int, int]) -> list[Word]:
        if not words and self.at(1) == "(":  # (( arithmetic ))
            self.arithmetic(self.i)
            return words
        if not words:
            self.i += 1
            self.commands(")")
            return words
        function = re.compile(r"\(\s*\)").match(self.t, self.i)
        if len(words) == 1 and function:
            self.r.functions.add(words[0].text)
            self.i = function.end()
            self.finish(words, start, None, "", start[0])
            return []
        if words[-1].assignment and words[-1].end == self.i:  # arr=( … ): elements are plain words
            self.i += 1
            while self.i < len(self.t) and self.at() != ")":
                if self.at() in " \t\n":
                    self.i += 1
                elif self.at() in ";&|(<>":
                    self.r.issues.append("an array with an operator in it")
                    self.i += 1
                else:
                    words[-1].markers.extend(self.word().markers)
            self.i += 1
            return words
        self.r.issues.append("an unexpected '('")
        self.i += 1
        return words

    def redirect(self, words: list[Word]) -> None:
        if self.t.startswith(("<(", ">("), self.i):  # process substitution: a command list, used as a file name
            self.i += 2
            before = len(self.r.order)
            self.commands(")")
            held = self.r.output(self.r.order[before:], UNQUOTED)  # `bash <(echo {{ x }})` runs what it prints
            fd = Word(text="/dev/fd/0" + (marker(held) if held is not None else ""), end=self.i, quoted=True)
            fd.markers += [held] if held is not None else []
            words.append(fd)
            return
        if words and words[-1].text.isdigit() and words[-1].end == self.i:
            words.pop()  # `2>`: an IO number, not an argument
        if self.t.startswith("<<<", self.i):
            self.i += 3
            self.skip_blanks()
            self.herestrings += self.word().markers
            return
        elif heredoc := HEREDOC_OP.match(self.t, self.i):
            self.i = heredoc.end()
            self.skip_blanks()
            delimiter = self.word()
            for index in delimiter.markers:
                self.r.refuse(index, "delimiter")
            self.heredocs.append(_Heredoc(delimiter.text, delimiter.quoted, heredoc.group(1) == "-"))
            return
        else:
            operator = next(o for o in REDIRECTS if self.t.startswith(o, self.i))
            self.i += len(operator)
        self.skip_blanks()
        if self.i < len(self.t) and self.at() not in "\n;&|()<>":
            self.redirects.append((operator, self.word()))  # the target file name: data (unless run: shellfiles)

    def skip_blanks(self) -> None:
        while self.at() in (" ", "\t"):
            self.i += 1

    def read_heredocs(self) -> None:
        """Bodies follow the line that introduced them; each ends at a line equal to its delimiter."""
        pending, self.heredocs = self.heredocs, []
        for heredoc in pending:
            delimiter, lines = heredoc.delimiter, []
            while True:
                if self.i >= len(self.t):
                    self.r.issues.append(f"a here-document without its {delimiter!r} line")
                    break
                stop = self.t.find("\n", self.i)
                stop = len(self.t) if stop < 0 else stop
                line, self.i = self.t[self.i : stop], stop + 1
                if (line.lstrip("\t") if heredoc.strip_tabs else line) == delimiter:
                    break
                lines.append(line)
            body = "\n".join(lines)
            for values in heredoc.written:
                values += [int(m.group(1)) for m in MARKER.finditer(body)]
                values += [o for m in NAME_REFERENCE.finditer(body) for o in self.r.tainted.get(m[1] or m[2], [])]
            if heredoc.program:
                detail, kind = heredoc.program, heredoc.kind
                self.r.runs += scan(body).runs if kind == "nested" else []  # `sh <<EOF … . /tmp/f … EOF`
                for match in MARKER.finditer(body):
                    self.r.refuse(int(match.group(1)), kind, detail, context=HEREDOC)
                for match in NAME_REFERENCE.finditer(body):
                    for origin in self.r.tainted.get(match.group(1) or match.group(2), []):
                        self.r.refuse(origin, kind, detail, via=match.group(1) or match.group(2))
            if heredoc.quoted:
                for match in MARKER.finditer(body):
                    self.r.refuse(int(match.group(1)), "quoted-heredoc", context=HEREDOC)
            else:
                self.sub(body).expansions(HEREDOC, "")

    def word(self) -> Word:
        """One word; its text is what remains after quote removal (markers kept)."""
        word = Word()
        parts: list[str] = []
        while self.i < len(self.t):
            c = self.t[self.i]
            index = self.marker_at(self.i)
            if index is not None:
                self.r.place(index, UNQUOTED)
                word.markers.append(index)
                match = MARKER.match(self.t, self.i)
                assert match is not None
                parts.append(match.group(0))
                self.i = match.end()
            elif c in " \t\n;&|()<>":
                break
            elif c == "\\":
                self.escape(parts, "")
                word.quoted = True
            elif c == "'":
                word.quoted = True
                parts.append(self.single_quoted(word.markers))
            elif c == '"':
                word.quoted = True
                self.i += 1
                parts.append(self.expansions(DOUBLE, '"', word.markers))
            elif c == "$" and self.at(1) == "'":
                word.quoted = True
                parts.append(self.ansi_quoted())
            elif c in "$`":
                self.expansion(UNQUOTED, parts, markers=word.markers)
            else:
                parts.append(c)
                self.i += 1
        word.text, word.end = "".join(parts), self.i
        word.assignment = bool(re.match(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", word.text))
        return word

    def escape(self, parts: list[str], specials: str) -> None:
        """A backslash: escapes the next character (in "…" and here-documents only `specials`)."""
        if self.marker_at(self.i + 1) is not None:
            self.r.refuse(int(self.marker_at(self.i + 1) or 0), "escape", "\\")
            self.i += 1
            return
        following = self.at(1)
        if following == "\n":
            parts.append("")  # a line continuation: `s\⏎h` is `sh`
        else:
            parts.append(following if not specials or following in specials else "\\" + following)
        self.i += 2

    def single_quoted(self, markers: list[int]) -> str:
        stop = self.t.find("'", self.i + 1)
        if stop < 0:
            self.r.issues.append("an unterminated '")
            stop = len(self.t)
        for match in MARKER.finditer(self.t, self.i, stop):
            self.r.place(int(match.group(1)), SINGLE)
            markers.append(int(match.group(1)))
        text, self.i = self.t[self.i + 1 : stop], stop + 1
        return text

    def ansi_quoted(self) -> str:
        """$'…': its text with the common escapes decoded (a word like $'s\\x68' cannot be read with certainty)."""
        start = self.i = self.i + 2
        while self.i < len(self.t) and self.at() != "'":
            self.i += 2 if self.at() == "\\" else 1
        for match in MARKER.finditer(self.t, start, min(self.i, len(self.t))):
            self.r.refuse(int(match.group(1)), "ansi")
        text, self.i = self.t[start : self.i], self.i + 1
        simple = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "r": "\r", "a": "\a", "e": "\x1b"}
        decoded = re.sub(r"\\(.)", lambda m: simple.get(m.group(1), "\ue002"), text)
        if "\ue002" in decoded:
            self.r.issues.append("a $'…' word with numeric escapes")
        return decoded

    def expansions(self, context: str, closer: str, markers: list[int] | None = None) -> str:
        """The inside of "…" (closer '"') or of a here-document body (closer ''): only $, ` and \\ are special."""
        parts: list[str] = []
        specials = '$`"\\\n' if closer else "$`\\\n"
        while self.i < len(self.t):
            c = self.t[self.i]
            index = self.marker_at(self.i)
            if index is not None:
                self.r.place(index, context)
                if markers is not None:
                    markers.append(index)
                match = MARKER.match(self.t, self.i)
                assert match is not None
                parts.append(match.group(0))
                self.i = match.end()
            elif closer and c == closer:
                self.i += 1
                return "".join(parts)
            elif c == "\\":
                self.escape(parts, specials)
            elif c in "$`":
                self.expansion(context, parts, inside_double=bool(closer), markers=markers)
            else:
                parts.append(c)
                self.i += 1
        if closer:
            self.r.issues.append('an unterminated "')
        return "".join(parts)

    def expansion(
        self, context: str, parts: list[str], inside_double: bool = False, markers: list[int] | None = None
    ) -> None:
        """$(…), $((…)), ${…}, $[…], `…`, $<placeholder> or a plain $ (a variable holding a value is followed)."""
        name = NAME_REFERENCE.match(self.t, self.i)
        held = self.r.reference(name.group(1) or name.group(2), context) if name else None
        before = len(self.r.order)
        if self.at() == "`":
            self.backticks(inside_double)
            held = self.r.output(self.r.order[before:], context)
        elif self.t.startswith("$((", self.i):
            self.arithmetic(self.i + 1)
        elif self.t.startswith("$(", self.i):
            self.i += 2
            self.commands(")")
            held = self.r.output(self.r.order[before:], context)
        elif self.t.startswith(("${", "$["), self.i):
            self.braced(self.at(1))
        elif self.marker_at(self.i + 1) is not None:
            self.r.refuse(int(self.marker_at(self.i + 1) or 0), "escape", "$", context)
            self.i += 1
        elif re.match(r"[A-Za-z0-9_@*#?$!-]", self.at(1)):
            self.i += 1  # $name, $1, $@ …: the name is read as part of the word; the word is an expansion
        else:
            parts.append("$")
            self.i += 1
            return
        if held is not None and markers is not None:
            markers.append(held)
        # An expansion: the word's text is not a plain literal any more (a variable holding a value: its marker).
        parts.append(DYNAMIC + (marker(held) if held is not None else ""))

    def backticks(self, inside_double: bool) -> None:
        stop = self.i + 1
        while stop < len(self.t) and self.t[stop] != "`":
            stop += 2 if self.t[stop] == "\\" else 1
        if stop >= len(self.t):
            self.r.issues.append("an unterminated `")
        inner = self.t[self.i + 1 : stop]
        # Inside backticks a backslash quotes only $ ` \ (and " within "…"); the rest is an ordinary command list.
        inner = re.sub(r"\\([$`\\" + ('"' if inside_double else "") + "])", r"\1", inner)
        self.sub(inner).commands("")
        self.i = stop + 1

    def arithmetic(self, start: int) -> None:
        """`((…))` / `$((…))`: a value here is evaluated as an expression (bash runs `a[$(cmd)]`)."""
        depth, position = 0, start
        while position < len(self.t):
            depth += {"(": 1, ")": -1}.get(self.t[position], 0)
            position += 1
            if depth == 0:
                break
        what = "$(( … ))" if self.t[start - 1 : start] == "$" else "(( … ))"
        for match in MARKER.finditer(self.t, start, position):
            self.r.refuse(int(match.group(1)), "arith", what)
        refuse_names(self.r, self.t[start:position], "arith", what)  # `(( V + 1 ))` reads V with or without a $
        self.i = position

    def braced(self, opener: str) -> None:
        """${…} (parameter expansion: the placeholder would be an operand of it) or $[…] (old arithmetic)."""
        closer, depth, position = {"{": "}", "[": "]"}[opener], 0, self.i + 1
        while position < len(self.t):
            c = self.t[position]
            if c == "\\":
                position += 1
            elif c == opener:
                depth += 1
            elif c == closer:
                depth -= 1
                if depth == 0:
                    break
            position += 1
        for match in MARKER.finditer(self.t, self.i, position):
            self.r.refuse(int(match.group(1)), "param" if opener == "{" else "arith", "$[ … ]")
        inside = self.t[self.i + 2 : position]
        primary = re.match(r"[#!]?[A-Za-z_][A-Za-z0-9_]*", inside)
        operands = inside[primary.end() :] if primary else inside  # ${V:-x}: V is expanded, x and [i] are operands
        refuse_names(self.r, operands, "param" if opener == "{" else "arith", "${ … } operand")
        self.i = position + 1
