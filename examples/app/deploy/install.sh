#!/bin/sh
# Installs hello-app on a systemd host, from the copy of this folder at /opt/hello-app (as root).
# Node.js must be at /usr/local/bin/node.
set -eu
id hello >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin hello
install -d -m 0755 /etc/hello-app
printf '{ "port": 8080 }\n' >/etc/hello-app/config.json
chmod 0644 /etc/hello-app/config.json
install -m 0644 /opt/hello-app/deploy/hello-app.service /etc/systemd/system/hello-app.service
systemctl daemon-reload
systemctl enable --now hello-app.service
