"""The programs the shell rules know, as data: shells, interpreters, wrappers, options whose value runs as a command.

`shellrules` reads a simple command with these tables; adding a program is adding a row here.
"""

from __future__ import annotations

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "fish", "csh", "tcsh"})
# Interpreter → (options whose next word is code, options that take an argument, options naming a program file).
INTERPRETERS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    **{s: (frozenset({"-c"}), frozenset({"-o", "+o", "-O", "+O"}), frozenset()) for s in SHELLS},
    **{p: (frozenset({"-c", "-m"}), frozenset({"-W", "-X"}), frozenset()) for p in ("python", "python2", "python3")},
    "perl": (frozenset({"-e", "-E", "-M", "-m"}), frozenset({"-I"}), frozenset()),
    "ruby": (frozenset({"-e"}), frozenset({"-r", "-I"}), frozenset()),
    **{n: (frozenset({"-e", "--eval", "-p", "--print"}), frozenset({"-r"}), frozenset()) for n in ("node", "nodejs")},
    "php": (frozenset({"-r"}), frozenset({"-d", "-c"}), frozenset()),
    "lua": (frozenset({"-e"}), frozenset({"-l"}), frozenset()),
    **{
        a: (
            frozenset({"-e", "--source"}),
            frozenset({"-F", "-v", "--assign", "--field-separator"}),
            frozenset({"-f", "--file"}),
        )
        for a in ("awk", "gawk", "mawk", "nawk")
    },
    "sed": (frozenset({"-e", "--expression"}), frozenset({"-l", "--line-length"}), frozenset({"-f", "--file"})),
    "psql": (frozenset({"-c", "--command"}), frozenset({"-h", "-U", "-d", "-p", "-v", "--set"}), frozenset({"-f"})),
    **{
        q: (frozenset({"-e", "--execute"}), frozenset({"-h", "-u", "-D", "-P"}), frozenset())
        for q in ("mysql", "mariadb")
    },
    "sqlite3": (frozenset({"-cmd"}), frozenset(), frozenset()),
    "jq": (frozenset(), frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile", "--indent"}), frozenset({"-f"})),
}
# Everything after these is code, or names a remote/other user's command line: a value is refused anywhere in it.
CODE_COMMANDS = frozenset({"eval", "source", ".", "ssh", "su", "runuser", "watch", "alias", "trap", "let", "coproc"})
# Builtins whose operands name variables.
NAME_COMMANDS = frozenset(
    {"read", "unset", "mapfile", "readarray", "getopts", "export", "declare", "typeset", "local", "readonly"}
)
RESERVED = frozenset({"!", "{", "then", "do", "else", "elif", "if", "while", "until", "time"})
# Wrapper → (options that take an argument, positional words before the command, options that make the rest code).
WRAPPERS: dict[str, tuple[frozenset[str], int, frozenset[str]]] = {
    "sudo": (
        frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-R", "-T", "-U", "-r", "-t", "--user", "--group"}),
        0,
        frozenset({"-s", "-i", "--shell", "--login"}),
    ),
    "doas": (frozenset({"-u", "-C"}), 0, frozenset({"-s"})),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir"}), 0, frozenset({"-S", "--split-string"})),
    "nice": (frozenset({"-n", "--adjustment"}), 0, frozenset()),
    "ionice": (frozenset({"-c", "-n", "-p", "-P", "-u"}), 0, frozenset()),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1, frozenset()),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0, frozenset()),
    "chroot": (frozenset({"--userspec", "--groups"}), 1, frozenset()),
    "xargs": (frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter"}), 0, frozenset()),
    "flock": (frozenset({"-w", "--timeout", "-E"}), 1, frozenset({"-c", "--command"})),
    "exec": (frozenset({"-a"}), 0, frozenset()),
    **{w: (frozenset(), 0, frozenset()) for w in ("nohup", "setsid", "command", "builtin", "unbuffer", "time")},
    **{w: (frozenset(), 1, frozenset()) for w in ("taskset", "chrt")},
    **{w: (frozenset(), 0, frozenset()) for w in ("busybox", "toybox")},
}
# Programs that read code from standard input when no program is given in their arguments.
STDIN_READERS = frozenset(
    {
        *SHELLS,
        "python",
        "python2",
        "python3",
        "perl",
        "ruby",
        "node",
        "nodejs",
        "php",
        "lua",
        "psql",
        "mysql",
        "mariadb",
        "sqlite3",
        "at",
        "batch",
        "crontab",
        "source",
        ".",
    }
)
STDIN_PATHS = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
# Which operand is the program when no code option is given (default: the first; None: operands are never code).
CODE_OPERAND: dict[str, int | None] = {"psql": None, "mysql": None, "mariadb": None, "sqlite3": 1}
# Options followed by two words (`jq --arg name value`).
TWO_WORD_OPTIONS = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})
ARITHMETIC_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v", "-R"})
SPECIAL_VARIABLES = frozenset(
    {
        "PATH",
        "IFS",
        "PS1",
        "PS2",
        "PS3",
        "PS4",
        "PROMPT_COMMAND",
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "CDPATH",
        "GLOBIGNORE",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "BASH_XTRACEFD",
        "HISTFILE",
    }
)
# Programs that read options only before their first operand (the rest are plain arguments: `printf '%s' -n`).
OPTIONS_BEFORE_OPERANDS = frozenset({*SHELLS, "python", "python2", "python3", "printf", "echo"})
# Words after which a simple command's words are not arguments of a program.
NOT_PROGRAMS = frozenset({"[[", "for", "select", "case"})
# Programs that also read `+command` arguments (`less +!cmd`, `vim +cmd`).
PLUS_OPTIONS = frozenset({"less", "more", "vi", "vim", "nvim", "view", "vimdiff", "ex", "rvim", "rview", "gvim"})
