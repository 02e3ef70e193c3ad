# The floor for bench/specs/checks-500.yaml: one hand-written POSIX sh probe that gathers the
# same facts with one command per kind of fact (one stat for every path, one dpkg-query for every
# package…), run by OpenSSH as `sh -s` over one fresh connection. No framing, no parsing.
LC_ALL=C; export LC_ALL
echo '## host'; id -u; uname -snrm; cat /etc/os-release
echo '## files'
stat -c '%n %f %u %g %U %G' \
  /etc/adduser.conf /etc/alternatives /etc/apt /etc/bash.bashrc /etc/bindresvport.blacklist \
  /etc/binfmt.d /etc/cron.d /etc/cron.daily /etc/cron.hourly /etc/cron.monthly /etc/cron.weekly \
  /etc/cron.yearly /etc/crontab /etc/dbus-1 /etc/debconf.conf /etc/debian_version /etc/default \
  /etc/deluser.conf /etc/dpkg /etc/e2scrub.conf /etc/fstab /etc/gai.conf /etc/group \
  /etc/gshadow /etc/gss /etc/host.conf /etc/hosts.allow /etc/hosts.deny /etc/init.d \
  /etc/iproute2 /etc/issue /etc/issue.net /etc/kernel /etc/ld.so.conf /etc/ld.so.conf.d \
  /etc/libaudit.conf /etc/login.defs /etc/logrotate.d /etc/mke2fs.conf /etc/modules-load.d \
  /etc/motd /etc/netconfig /etc/nginx /etc/nsswitch.conf /etc/opt /etc/pam.conf /etc/pam.d \
  /etc/passwd /etc/profile /etc/profile.d /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d \
  /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d /etc/runit /etc/security
echo '## users'
getent passwd \
  root daemon bin sys sync games man lp mail news uucp proxy www-data backup list irc _apt \
  nobody systemd-network messagebus
echo '## groups'
getent group \
  root daemon bin sys adm tty disk lp mail news uucp man proxy kmem dialout fax voice cdrom \
  floppy tape sudo audio dip www-data backup operator list irc src shadow utmp video sasl \
  plugdev staff games users nogroup systemd-journal systemd-network
echo '## packages'
dpkg-query -W -f='${db:Status-Abbrev}\t${binary:Package}\t${Version}\n' \
  adduser apt base-files base-passwd bash bsdutils coreutils cron cron-daemon-common dash dbus \
  dbus-bin dbus-daemon dbus-session-bus-common dbus-system-bus-common debconf \
  debian-archive-keyring debianutils diffutils dmsetup dpkg e2fsprogs findutils \
  gcc-12-base:amd64 gpgv grep gzip hostname init-system-helpers iproute2 libacl1:amd64 \
  libapparmor1:amd64 libapt-pkg6.0:amd64 libargon2-1:amd64 libattr1:amd64 libaudit-common \
  libaudit1:amd64 libblkid1:amd64 libbpf1:amd64 libbsd0:amd64 libbz2-1.0:amd64 libc-bin \
  libc6:amd64 libcap-ng0:amd64 libcap2-bin libcap2:amd64 libcbor0.8:amd64 libcom-err2:amd64 \
  libcrypt1:amd64 libcryptsetup12:amd64 libdb5.3:amd64 libdbus-1-3:amd64 \
  libdebconfclient0:amd64 libdevmapper1.02.1:amd64 libedit2:amd64 libelf1:amd64 libexpat1:amd64 \
  libext2fs2:amd64 libfdisk1:amd64 libffi8:amd64 libfido2-1:amd64 libgcc-s1:amd64 \
  libgcrypt20:amd64 libgmp10:amd64 libgnutls30:amd64 libgpg-error0:amd64 libgssapi-krb5-2:amd64 \
  libhogweed6:amd64 libidn2-0:amd64 libip4tc2:amd64 libjson-c5:amd64 libk5crypto3:amd64 \
  libkeyutils1:amd64 libkmod2:amd64 libkrb5-3:amd64 libkrb5support0:amd64 liblz4-1:amd64 \
  liblzma5:amd64 libmd0:amd64 libmnl0:amd64 telnetd rsh-server xinetd inetutils-inetd nis talkd \
  tftpd-hpa rsh-client telnet ftp vsftpd slapd snmpd squid samba apache2 prelink avahi-daemon \
  cups rpcbind 2>&1
echo '## kernel'
grep -H '' \
  /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/accept_local \
  /proc/sys/net/ipv4/conf/all/accept_redirects /proc/sys/net/ipv4/conf/all/accept_source_route \
  /proc/sys/net/ipv4/conf/all/arp_accept /proc/sys/net/ipv4/conf/all/arp_announce \
  /proc/sys/net/ipv4/conf/all/arp_evict_nocarrier /proc/sys/net/ipv4/conf/all/arp_filter \
  /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_notify \
  /proc/sys/net/ipv4/conf/all/bc_forwarding /proc/sys/net/ipv4/conf/all/bootp_relay \
  /proc/sys/net/ipv4/conf/all/disable_policy /proc/sys/net/ipv4/conf/all/disable_xfrm \
  /proc/sys/net/ipv4/conf/all/drop_gratuitous_arp \
  /proc/sys/net/ipv4/conf/all/drop_unicast_in_l2_multicast \
  /proc/sys/net/ipv4/conf/all/force_igmp_version /proc/sys/net/ipv4/conf/all/forwarding \
  /proc/sys/net/ipv4/conf/all/igmpv2_unsolicited_report_interval \
  /proc/sys/net/ipv4/conf/all/igmpv3_unsolicited_report_interval \
  /proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown \
  /proc/sys/net/ipv4/conf/all/log_martians /proc/sys/net/ipv4/conf/all/mc_forwarding \
  /proc/sys/net/ipv4/conf/all/medium_id /proc/sys/net/ipv4/conf/all/promote_secondaries \
  /proc/sys/net/ipv4/conf/all/proxy_arp /proc/sys/net/ipv4/conf/all/proxy_arp_pvlan \
  /proc/sys/net/ipv4/conf/all/route_localnet /proc/sys/net/ipv4/conf/all/rp_filter \
  /proc/sys/net/ipv4/conf/all/secure_redirects /proc/sys/net/ipv4/conf/all/send_redirects \
  /proc/sys/net/ipv4/conf/all/shared_media /proc/sys/net/ipv4/conf/all/src_valid_mark \
  /proc/sys/net/ipv4/conf/all/tag /proc/sys/net/ipv4/conf/default/accept_local \
  /proc/sys/net/ipv4/conf/default/accept_redirects \
  /proc/sys/net/ipv4/conf/default/accept_source_route \
  /proc/sys/net/ipv4/conf/default/arp_accept /proc/sys/net/ipv4/conf/default/arp_announce \
  /proc/sys/net/ipv4/conf/default/arp_evict_nocarrier
echo '## services'
systemctl show -p Id,LoadState,ActiveState,SubState,UnitFileState ssh nginx cron dbus systemd-journald systemd-logind
echo '## processes'; ps -e -o pid=,user=,comm=
echo '## ports'; cat /proc/net/tcp /proc/net/tcp6
echo '## commands'
awk -F: '$3 == 0 { print $1 }' /etc/passwd
test -d /etc/ssh; echo "test -d /etc/ssh: $?"
id -u
echo '## mounts'; cat /proc/self/mounts
