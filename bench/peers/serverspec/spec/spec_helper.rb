# Serverspec over SSH (net-ssh), host key checked against the instance's known_hosts, as the
# benchmark runs it: TARGET_HOST, TARGET_KEY and TARGET_KNOWN_HOSTS name the instance.
require 'serverspec'
require 'net/ssh'

set :backend, :ssh
set :host, ENV.fetch('TARGET_HOST')
set :ssh_options, {
  user: 'root',
  keys: [ENV.fetch('TARGET_KEY')],
  keys_only: true,
  user_known_hosts_file: ENV.fetch('TARGET_KNOWN_HOSTS'),
  global_known_hosts_file: '/dev/null',
  verify_host_key: :always,
  non_interactive: true,
  timeout: 10,
}
