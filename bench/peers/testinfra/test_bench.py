"""The 50 checks of bench/specs/checks-50.yaml, one test each, in the same order.

Run by the benchmark as `python3 -m pytest -p no:cacheprovider --hosts=ssh://root@ADDR
--ssh-config=FILE test_bench.py`: Testinfra's default SSH backend (the OpenSSH client,
host keys checked by the config's known_hosts)."""
import re


def debian_version_at_least(version, minimum):
    # Enough of dpkg's ordering for "1:9.2p1-2+deb12u10" >= "1:9.2": epoch, then numeric runs.
    def key(text):
        epoch, _, rest = text.rpartition(":")
        return [int(epoch or 0)] + [int(p) if p.isdigit() else p for p in re.findall(r"\d+|[a-z]+", rest)]
    return key(version) >= key(minimum)


def test_openssh_server_version(host):
    assert debian_version_at_least(host.package("openssh-server").version, "1:9.2")


def test_ssh_enabled(host):
    assert host.service("ssh").is_enabled


def test_ssh_running(host):
    assert host.service("ssh").is_running


def test_port_22(host):
    assert host.socket("tcp://22").is_listening


def test_sshd_process(host):
    assert host.process.filter(comm="sshd")


def test_sshd_config_is_file(host):
    assert host.file("/etc/ssh/sshd_config").is_file


def test_sshd_config_owner(host):
    assert host.file("/etc/ssh/sshd_config").user == "root"


def test_sshd_config_group(host):
    assert host.file("/etc/ssh/sshd_config").group == "root"


def test_sshd_config_mode(host):
    assert host.file("/etc/ssh/sshd_config").mode == 0o644


def test_sshd_user(host):
    assert host.user("sshd").exists


def test_nginx_installed(host):
    assert host.package("nginx-light").is_installed


def test_nginx_enabled(host):
    assert host.service("nginx").is_enabled


def test_nginx_running(host):
    assert host.service("nginx").is_running


def test_port_80(host):
    assert host.socket("tcp://80").is_listening


def test_nginx_process(host):
    assert host.process.filter(comm="nginx")


def test_nginx_conf_is_file(host):
    assert host.file("/etc/nginx/nginx.conf").is_file


def test_nginx_conf_owner(host):
    assert host.file("/etc/nginx/nginx.conf").user == "root"


def test_nginx_conf_mode(host):
    assert host.file("/etc/nginx/nginx.conf").mode == 0o644


def test_cron_installed(host):
    assert host.package("cron").is_installed


def test_cron_enabled(host):
    assert host.service("cron").is_enabled


def test_cron_running(host):
    assert host.service("cron").is_running


def test_crontab_owner(host):
    assert host.file("/etc/crontab").user == "root"


def test_crontab_mode(host):
    assert host.file("/etc/crontab").mode == 0o644


def test_sudo_installed(host):
    assert host.package("sudo").is_installed


def test_sudoers_mode(host):
    assert host.file("/etc/sudoers").mode == 0o440


def test_sudoers_owner(host):
    assert host.file("/etc/sudoers").user == "root"


def test_sudoers_group(host):
    assert host.file("/etc/sudoers").group == "root"


def test_root_uid(host):
    assert host.user("root").uid == 0


def test_root_shell(host):
    assert host.user("root").shell == "/bin/bash"


def test_root_home(host):
    assert host.user("root").home == "/root"


def test_www_data_exists(host):
    assert host.user("www-data").exists


def test_www_data_shell(host):
    assert host.user("www-data").shell == "/usr/sbin/nologin"


def test_nobody_uid(host):
    assert host.user("nobody").uid == 65534


def test_shadow_group(host):
    assert host.group("shadow").exists


def test_sudo_gid(host):
    assert host.group("sudo").gid == 27


def test_only_root_has_uid_0(host):
    assert host.run("awk -F: '$3 == 0 { print $1 }' /etc/passwd").stdout == "root\n"


def test_passwd_mode(host):
    assert host.file("/etc/passwd").mode == 0o644


def test_passwd_owner(host):
    assert host.file("/etc/passwd").user == "root"


def test_shadow_mode(host):
    assert host.file("/etc/shadow").mode == 0o640


def test_shadow_file_group(host):
    assert host.file("/etc/shadow").group == "shadow"


def test_group_mode(host):
    assert host.file("/etc/group").mode == 0o644


def test_no_hosts_equiv(host):
    assert not host.file("/etc/hosts.equiv").exists


def test_tmp_is_directory(host):
    assert host.file("/tmp").is_directory


def test_var_log_mode(host):
    assert host.file("/var/log").mode == 0o755


def test_no_telnetd(host):
    assert not host.package("telnetd").is_installed


def test_no_rsh_server(host):
    assert not host.package("rsh-server").is_installed


def test_no_xinetd(host):
    assert not host.package("xinetd").is_installed


def test_randomize_va_space(host):
    assert host.sysctl("kernel.randomize_va_space") == 2


def test_tcp_syncookies(host):
    assert host.sysctl("net.ipv4.tcp_syncookies") == 1


def test_root_mounted(host):
    assert host.mount_point("/").exists
