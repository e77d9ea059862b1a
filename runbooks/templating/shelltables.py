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
    "crontab": (frozenset(), frozenset({"-u"}), frozenset()),  # its operand is the crontab: commands to run
}
# Everything after these is code, or names a remote/other user's command line: a value is refused anywhere in it.
CODE_COMMANDS = frozenset(
    {"eval", "source", ".", "ssh", "su", "runuser", "watch", "alias", "trap", "let", "coproc", "sg", "tmux", "screen"}
)
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
    "systemd-run": (
        frozenset({"-u", "--unit", "-p", "--property", "-E", "--setenv", "-M", "--machine", "-H", "--host", "--uid"})
        | frozenset({"--gid", "--nice", "--slice", "--description", "--working-directory", "--on-calendar"}),
        0,
        frozenset(),
    ),
    "strace": (
        frozenset({"-e", "-o", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X"}),
        0,
        frozenset(),
    ),
    "ltrace": (frozenset({"-e", "-o", "-p", "-s", "-u", "-a", "-A", "-D", "-F", "-l", "-n", "-w"}), 0, frozenset()),
    "nsenter": (frozenset({"-t", "--target", "-S", "--setuid", "-G", "--setgid", "-Z"}), 0, frozenset()),
    "unshare": (
        frozenset({"--map-user", "--map-group", "--propagation", "--setgroups", "-S", "-G", "-R", "-w"}),
        0,
        frozenset(),
    ),
    "setpriv": (
        frozenset({"--reuid", "--regid", "--ruid", "--rgid", "--euid", "--egid", "--groups", "--inh-caps"})
        | frozenset({"--ambient-caps", "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label"}),
        0,
        frozenset(),
    ),
    "sshpass": (frozenset({"-p", "-f", "-d", "-P"}), 0, frozenset()),
    "valgrind": (frozenset(), 0, frozenset()),
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
        # Read as a command, options or code by the programs the shell runs (pagers, editors, git, ssh, tar…).
        *("LESSOPEN", "LESSCLOSE", "PAGER", "MANPAGER", "GIT_PAGER", "SYSTEMD_PAGER", "EDITOR", "VISUAL", "BROWSER"),
        *("GIT_EDITOR", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS", "RSYNC_RSH"),
        *("GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND", "TAR_OPTIONS", "PERL5OPT", "RUBYOPT", "NODE_OPTIONS"),
    }
)
# Prefixes of such variables (GIT_CONFIG_KEY_0, GIT_CONFIG_PARAMETERS …).
SPECIAL_PREFIXES = ("BASH_FUNC_", "GIT_CONFIG_")
# Programs that read options only before their first operand (the rest are plain arguments: `printf '%s' -n`).
OPTIONS_BEFORE_OPERANDS = frozenset({*SHELLS, "python", "python2", "python3", "printf", "echo"})
# Words after which a simple command's words are not arguments of a program.
NOT_PROGRAMS = frozenset({"[[", "for", "select", "case"})
# Programs that also read `+command` arguments (`less +!cmd`, `vim +cmd`).
PLUS_OPTIONS = frozenset({"less", "more", "vi", "vim", "nvim", "view", "vimdiff", "ex", "rvim", "rview", "gvim"})

# Program → options whose value it runs as a command (or reads as configuration or a file that runs one): refused
# glued (`--to-command={{ x }}`, `-I{{ x }}`) or as the next word. A long option also matches its GNU abbreviation
# (`--to-com=…`); `+` stands for `+command` words; `PROGRAM SUBCOMMAND` rows apply after that subcommand's word.
EXECUTING_OPTIONS: dict[str, frozenset[str]] = {
    "tar": frozenset(
        {"--to-command", "--checkpoint-action", "--use-compress-program", "-I", "--info-script", "-F"}
        | {"--new-volume-script", "--rsh-command"}
    ),
    "rsync": frozenset({"-e", "--rsh", "--rsync-path", "-M", "--remote-option"}),
    "git": frozenset({"-c", "--config-env", "--upload-pack", "--receive-pack", "--exec", "--exec-path"}),
    "git clone": frozenset({"-u"}),
    **dict.fromkeys(("scp", "sftp"), frozenset({"-S", "-o", "-D", "-F"})),
    **dict.fromkeys(("apt", "apt-get", "apt-cache", "aptitude"), frozenset({"-o", "--option", "-c", "--config-file"})),
    "dpkg": frozenset({"--pre-invoke", "--post-invoke", "--status-logger"}),
    "man": frozenset({"-P", "--pager", "-H", "--html"}),
    **dict.fromkeys(
        ("vi", "vim", "nvim", "view", "vimdiff", "ex", "rvim", "rview", "gvim"),
        frozenset({"-c", "--cmd", "+", "-S", "-u"}),
    ),
    **dict.fromkeys(("less", "more"), frozenset({"+"})),
    "gdb": frozenset(
        {"-ex", "--ex", "-x", "-eval-command", "--eval-command", "-command", "--command", "-iex", "-ix"}
        | {"--init-eval-command", "--init-command"}
    ),
    "zip": frozenset({"-TT", "--unzip-command"}),
    **dict.fromkeys(("at", "batch"), frozenset({"-f"})),
    "script": frozenset({"-c", "--command"}),
    "strace": frozenset({"-o", "--output"}),
    "valgrind": frozenset({"--db-command"}),
    "systemd-run": frozenset({"-p", "--property", "-E", "--setenv"}),
    "sort": frozenset({"--compress-program"}),
    "tcpdump": frozenset({"-z"}),
    "wget": frozenset({"-e", "--execute", "--use-askpass"}),
}
# Options that are names of their own, not GNU abbreviations of an executing option (`tar --checkpoint=10`).
WHOLE_OPTIONS = frozenset({"--checkpoint", "--config", "--rsh"})
# Program → subcommands after which the words are a command line run elsewhere (a container): like `ssh host …`.
REMOTE_SUBCOMMANDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("docker", "podman", "nerdctl", "crictl"), frozenset({"exec", "run"})),
    "kubectl": frozenset({"exec", "run", "debug"}),
    "ip": frozenset({"exec"}),
}
