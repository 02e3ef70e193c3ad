#!/bin/sh
# Candidate provisioning: sshd accepts keys only. A drop-in sorts before the others, and sshd
# keeps the first value it reads, so later drop-ins cannot loosen it by accident.
set -eu
install -d -m 0755 /etc/ssh/sshd_config.d
cat > /etc/ssh/sshd_config.d/01-image-hardening.conf <<'CONF'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
X11Forwarding no
CONF
chmod 0644 /etc/ssh/sshd_config.d/01-image-hardening.conf
