# The 50 checks of bench/specs/checks-50.yaml, one example each, in the same order.
require 'spec_helper'

describe package('openssh-server') do
  its(:version) { should >= '1:9.2' }
end
describe service('ssh') do
  it { should be_enabled }
  it { should be_running }
end
describe port(22) do
  it { should be_listening.with('tcp') }
end
describe process('sshd') do
  it { should be_running }
end
describe file('/etc/ssh/sshd_config') do
  it { should be_file }
  it { should be_owned_by 'root' }
  it { should be_grouped_into 'root' }
  it { should be_mode 644 }
end
describe user('sshd') do
  it { should exist }
end

describe package('nginx-light') do
  it { should be_installed }
end
describe service('nginx') do
  it { should be_enabled }
  it { should be_running }
end
describe port(80) do
  it { should be_listening.with('tcp') }
end
describe process('nginx') do
  it { should be_running }
end
describe file('/etc/nginx/nginx.conf') do
  it { should be_file }
  it { should be_owned_by 'root' }
  it { should be_mode 644 }
end

describe package('cron') do
  it { should be_installed }
end
describe service('cron') do
  it { should be_enabled }
  it { should be_running }
end
describe file('/etc/crontab') do
  it { should be_owned_by 'root' }
  it { should be_mode 644 }
end

describe package('sudo') do
  it { should be_installed }
end
describe file('/etc/sudoers') do
  it { should be_mode 440 }
  it { should be_owned_by 'root' }
  it { should be_grouped_into 'root' }
end

describe user('root') do
  it { should have_uid 0 }
  it { should have_login_shell '/bin/bash' }
  it { should have_home_directory '/root' }
end
describe user('www-data') do
  it { should exist }
  it { should have_login_shell '/usr/sbin/nologin' }
end
describe user('nobody') do
  it { should have_uid 65534 }
end
describe group('shadow') do
  it { should exist }
end
describe group('sudo') do
  it { should have_gid 27 }
end
describe command("awk -F: '$3 == 0 { print $1 }' /etc/passwd") do
  its(:stdout) { should eq "root\n" }
end

describe file('/etc/passwd') do
  it { should be_mode 644 }
  it { should be_owned_by 'root' }
end
describe file('/etc/shadow') do
  it { should be_mode 640 }
  it { should be_grouped_into 'shadow' }
end
describe file('/etc/group') do
  it { should be_mode 644 }
end
describe file('/etc/hosts.equiv') do
  it { should_not exist }
end
describe file('/tmp') do
  it { should be_directory }
end
describe file('/var/log') do
  it { should be_mode 755 }
end

%w[telnetd rsh-server xinetd].each do |name|
  describe package(name) do
    it { should_not be_installed }
  end
end

describe linux_kernel_parameter('kernel.randomize_va_space') do
  its(:value) { should eq 2 }
end
describe linux_kernel_parameter('net.ipv4.tcp_syncookies') do
  its(:value) { should eq 1 }
end
describe file('/') do
  it { should be_mounted }
end
