// The TypeScript twin of checks-50.yaml: the benchmark checks that both compile to the same
// checks, and times a TypeScript spec's start-up (compiled once, then served from the cache).
import {
  command,
  control,
  file,
  group,
  kernelParameter,
  mount,
  pkg,
  port,
  processes,
  service,
  spec,
  user,
} from 'driftspec';

export default spec({ name: 'bench-50', version: '1.0.0' }, () => {
  control('ssh', { title: 'SSH server installed, running and configured by root' }, () => {
    pkg('openssh-server').installed({ version: '>= 1:9.2' });
    service('ssh').enabled().running();
    port(22).listening({ protocol: 'tcp' });
    processes('sshd').running();
    file('/etc/ssh/sshd_config').type('file').owner('root').group('root').mode('0644');
    user('sshd').exists();
  });
  control('web', { title: 'nginx serves HTTP' }, () => {
    pkg('nginx-light').installed();
    service('nginx').enabled().running();
    port(80).listening({ protocol: 'tcp' });
    processes('nginx').running();
    file('/etc/nginx/nginx.conf').type('file').owner('root').mode('0644');
  });
  control('cron', { title: 'cron runs and its table belongs to root' }, () => {
    pkg('cron').installed();
    service('cron').enabled().running();
    file('/etc/crontab').owner('root').mode('0644');
  });
  control('sudo', { title: 'sudo is installed and its policy is read-only' }, () => {
    pkg('sudo').installed();
    file('/etc/sudoers').mode('0440').owner('root').group('root');
  });
  control('accounts', { title: 'Accounts as Debian ships them' }, () => {
    user('root').uid(0).shell('/bin/bash').home('/root');
    user('www-data').exists().shell('/usr/sbin/nologin');
    user('nobody').uid(65534);
    group('shadow').exists();
    group('sudo').gid(27);
    command("awk -F: '$3 == 0 { print $1 }' /etc/passwd").stdout('root\n');
  });
  control('files', { title: 'Account databases and system directories have safe permissions' }, () => {
    file('/etc/passwd').mode('0644').owner('root');
    file('/etc/shadow').mode('0640').group('shadow');
    file('/etc/group').mode('0644');
    file('/etc/hosts.equiv').not.exists();
    file('/tmp').type('directory');
    file('/var/log').mode('0755');
  });
  control('packages', { title: 'No legacy remote-login services' }, () => {
    for (const name of ['telnetd', 'rsh-server', 'xinetd']) pkg(name).not.installed();
  });
  control('kernel', { title: 'Kernel and mounts' }, () => {
    kernelParameter('kernel.randomize_va_space').value(2);
    kernelParameter('net.ipv4.tcp_syncookies').value(1);
    mount('/').mounted();
  });
});
