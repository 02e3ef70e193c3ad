# The floor for bench/specs/checks-50.yaml: one hand-written POSIX sh probe that gathers the
# same facts with as few commands as a person would use, run by OpenSSH as `sh -s` over one
# fresh connection. No framing, no parsing, no judging: the least any tool could do.
LC_ALL=C; export LC_ALL
echo '## host'; id -u; uname -snrm; cat /etc/os-release
echo '## packages'
dpkg-query -W -f='${db:Status-Abbrev}\t${binary:Package}\t${Version}\n' \
  openssh-server nginx-light cron sudo telnetd rsh-server xinetd 2>&1
echo '## services'
systemctl show -p Id,LoadState,ActiveState,SubState,UnitFileState ssh nginx cron
echo '## ports'; cat /proc/net/tcp /proc/net/tcp6
echo '## processes'; ps -e -o pid=,user=,comm=
echo '## files'
stat -c '%n %f %u %g %U %G' /etc/ssh/sshd_config /etc/nginx/nginx.conf /etc/crontab /etc/sudoers \
  /etc/passwd /etc/shadow /etc/group /etc/hosts.equiv /tmp /var/log 2>&1
echo '## users'; getent passwd sshd root www-data nobody
echo '## groups'; getent group shadow sudo
echo '## command'; awk -F: '$3 == 0 { print $1 }' /etc/passwd
echo '## kernel'; cat /proc/sys/kernel/randomize_va_space /proc/sys/net/ipv4/tcp_syncookies
echo '## mounts'; cat /proc/self/mounts
