"""Options whose value a program runs as a command (`tar --to-command`, `rsync -e`, `git -c` …), container command
lines (`docker exec`), variables programs read as commands (`GIT_SSH_COMMAND`, `LESSOPEN`) are refused when saved.

Against the local tar (the control proves the option runs its value); the same rows on the real sshd are in
test_placement_matrix.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runbooks.templating import shell


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "tar --checkpoint=1 --checkpoint-action=exec={{ v }} -cf /tmp/a.tar /etc/hostname",
            "`tar --checkpoint-action`",
        ),
        ("tar -xf a.tar --to-command={{ v }}", "`tar --to-command`"),
        ("tar -xf a.tar --to-command {{ v }}", "`tar --to-command`"),
        ('tar -xf a.tar --to-command="sh {{ v }}"', "`tar --to-command`"),
        ("tar -xf a.tar --to-com={{ v }}", "`tar --to-command`"),
        ("tar -xI {{ v }} -f a.tar", "`tar -I`"),
        ("tar -xI{{ v }} -f a.tar", "`tar -I`"),
        ("tar --use-compress-program={{ v }} -xf a.tar", "`tar --use-compress-program`"),
        ("tar -F {{ v }} -cf a.tar f", "`tar -F`"),
        ("tar --rsh-command={{ v }} -xf h:a.tar", "`tar --rsh-command`"),
        ("rsync -a -e {{ v }} src h:dst", "`rsync -e`"),
        ("rsync -ae {{ v }} src h:dst", "`rsync -e`"),
        ("rsync -a --rsh={{ v }} src h:dst", "`rsync --rsh`"),
        ("rsync -a --rsync-path={{ v }} src h:dst", "`rsync --rsync-path`"),
        ("git -c core.pager={{ v }} log", "`git -c`"),
        ("git --config-env=core.pager={{ v }} log", "`git --config-env`"),
        ("git clone -u {{ v }} h:repo", "`git -u`"),
        ("git fetch --upload-pack={{ v }} origin", "`git --upload-pack`"),
        ("git push --receive-pack={{ v }} origin", "`git --receive-pack`"),
        ("scp -o ProxyCommand={{ v }} f h:/tmp/", "`scp -o`"),
        ("scp -S {{ v }} f h:/tmp/", "`scp -S`"),
        ("sftp -D {{ v }} h", "`sftp -D`"),
        ("apt-get -o APT::Update::Pre-Invoke::={{ v }} update", "`apt-get -o`"),
        ("apt -o {{ v }} install x", "`apt -o`"),
        ("man -P {{ v }} ls", "`man -P`"),
        ("man --pager={{ v }} ls", "`man --pager`"),
        ("vim -c {{ v }} f", "`vim -c`"),
        ("nvim --cmd {{ v }} f", "`nvim --cmd`"),
        ("vi +{{ v }} f", "`vi +`"),
        ("less +{{ v }} f", "`less +`"),
        ("gdb -ex {{ v }} -p 1", "`gdb -ex`"),
        ("gdb -x {{ v }} -p 1", "`gdb -x`"),
        ("zip -TT {{ v }} a.zip f", "`zip -TT`"),
        ("zip --unzip-command={{ v }} -T a.zip f", "`zip --unzip-command`"),
        ("at -f {{ v }} now", "`at -f`"),
        ("crontab {{ v }}", "`crontab`"),
        ("script -c {{ v }} /dev/null", "`script -c`"),
        ("strace -o {{ v }} ls", "`strace -o`"),
        ("valgrind --db-command={{ v }} ls", "`valgrind --db-command`"),
        ("systemd-run -p ExecStartPre={{ v }} true", "`systemd-run -p`"),
        ("systemd-run --unit x sh -c {{ v }}", "`sh -c`"),
        ("sort --compress-program={{ v }} f", "`sort --compress-program`"),
        ("tcpdump -z {{ v }} -w f", "`tcpdump -z`"),
        ("wget -e {{ v }} http://h/", "`wget -e`"),
        ("sudo -u app tar -xf a.tar --to-command={{ v }}", "`tar --to-command`"),
        ("find / -name x -exec tar -xf {} --to-command={{ v }} \\;", "`tar --to-command`"),
        ("docker exec c ls {{ v }}", "`docker exec`"),
        ("docker run --rm img echo {{ v }}", "`docker run`"),
        ("podman exec c ls {{ v }}", "`podman exec`"),
        ("kubectl exec pod -- ls {{ v }}", "`kubectl exec`"),
        ("kubectl debug node/x -it --image=busybox -- ls {{ v }}", "`kubectl debug`"),
        ("crictl exec c ls {{ v }}", "`crictl exec`"),
        ("nerdctl run img ls {{ v }}", "`nerdctl run`"),
        ("ip netns exec ns ls {{ v }}", "`ip exec`"),
        ("sg wheel {{ v }}", "`sg`"),
        ("tmux new-session -d {{ v }}", "`tmux`"),
        ("screen -dm {{ v }}", "`screen`"),
        ("nsenter -t 1 -m -- sh -c {{ v }}", "`sh -c`"),
        ("unshare -r sh -c {{ v }}", "`sh -c`"),
        ("setpriv --reuid 1000 sh -c {{ v }}", "`sh -c`"),
        ("sshpass -p x ssh h {{ v }}", "`ssh`"),
        ("strace -f sh -c {{ v }}", "`sh -c`"),
        ("GIT_SSH_COMMAND={{ v }} git fetch", "GIT_SSH_COMMAND"),
        ("LESSOPEN={{ v }} less f", "LESSOPEN"),
        ("export PAGER={{ v }}", "PAGER"),
        ("TAR_OPTIONS={{ v }} tar -xf a.tar", "TAR_OPTIONS"),
        ("env GIT_CONFIG_VALUE_0={{ v }} git log", "GIT_CONFIG_VALUE_0"),
    ],
)
def test_it_refuses_a_value_a_program_runs_through_its_options(template: str, expected: str) -> None:
    problems = shell.check_command(template)
    assert len(problems) == 1 and expected in problems[0] and "Safe form:" in problems[0], problems
    assert shell.render_command(template, {"v": "ok"}).problems == problems


@pytest.mark.parametrize(
    "template",
    [
        "systemctl restart {{ v }}",
        "journalctl -u {{ v }} --since {{ v }}",
        "tar -xf {{ v }} -C /srv",
        "tar -xzf {{ v }} -C /srv --to-command='sh -c \"cat > /dev/null\"'",
        'echo "{{ v }}" >> /var/log/x',
        "rsync -a {{ v }} /backup/",
        "rsync -a -e ssh {{ v }} h:/backup/",
        "git -C /srv/app checkout {{ v }}",
        "git push -u origin {{ v }}",
        "git log --format=%H {{ v }}",
        "docker ps --filter name={{ v }}",
        "kubectl get pod {{ v }}",
        "man {{ v }}",
        "less -- {{ v }}",
        "tar -cf a.tar -- --to-command={{ v }}",
        "systemd-run --unit {{ v }} /usr/local/bin/job",
        "crontab -l -u {{ v }}",
        "tar --checkpoint={{ v }} -cf a.tar f",
        "MY_PAGER={{ v }} printf '%s\\n' \"$MY_PAGER\"",
    ],
)
def test_it_accepts_values_given_to_these_programs_as_plain_arguments(template: str) -> None:
    assert shell.check_command(template) == []
    assert shell.render_command(template, {"v": "nginx.service"}).problems == []


def test_the_control_tar_runs_the_value_of_checkpoint_action(tmp_path: Path) -> None:
    """What the refusal prevents: tar runs the option's value (so a templated one would run an attacker's)."""
    marker = tmp_path / "ran"
    action = f"--checkpoint-action=exec=touch {marker}"
    archive = str(tmp_path / "a.tar")
    subprocess.run(["tar", "--checkpoint=1", action, "-cf", archive, "/etc/hostname"], capture_output=True, check=True)
    assert marker.exists()


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('eval "$(printf %s {{ v }})"', "`eval`"),
        ("eval `echo {{ v }}`", "`eval`"),
        ('sh -c "$(echo {{ v }})"', "`sh -c`"),
        ('python3 -c "$(echo {{ v }})"', "`python3 -c`"),
        ("bash <(echo {{ v }})", "`bash` (as its program or script)"),
        (". <(printf %s {{ v }})", "`.`"),
        ("$(echo {{ v }}) --version", "names the command"),
    ],
)
def test_it_follows_values_through_the_output_of_command_substitutions(template: str, expected: str) -> None:
    problems = shell.check_command(template)
    assert len(problems) == 1 and "(through $(…), which holds it)" in problems[0] and expected in problems[0], problems


def test_the_control_a_substitution_hands_its_output_to_eval(tmp_path: Path) -> None:
    """What that refusal prevents: the value is a variable, but eval reads what the substitution printed."""
    marker = tmp_path / "ran"
    subprocess.run(["sh", "-c", f'RE_V1=\'touch {marker}\'\neval "$(printf %s "${{RE_V1}}")"'], check=True)
    assert marker.exists()
    assert shell.check_command('diff <(echo {{ v }}) f; echo "$(printf %s {{ v }})"') == []
    # As an arithmetic operand the output is let through: here it is the file's content, not the value.
    assert shell.check_command("n=$(cat {{ v }} || echo 0); echo $((n + 1)) > {{ v }}") == []
