// The TypeScript twin of debian-web-server.yaml: a test proves both give the same plan.
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

export default spec({ name: 'debian-web-server', version: '1.0.0', title: 'Debian 12 web-server image' }, () => {
  control(
    'ssh-01',
    { title: 'SSH server installed, enabled and listening', impact: 'high', tags: { cis: '5.2' } },
    () => {
      pkg('openssh-server').installed({ version: '>= 1:9.2' });
      service('ssh').enabled().running();
      port(22).listening({ protocol: 'tcp' });
      processes('sshd').running();
    },
  );

  control(
    'ssh-02',
    {
      title: 'SSH server configuration is owned by root and not writable by others',
      impact: 'medium',
      tags: { cis: '5.2.1' },
    },
    () => {
      file('/etc/ssh/sshd_config').isFile().owner('root').group('root').not.morePermissiveThan({ mode: '0644' });
    },
  );

  control('web-01', { title: 'nginx serves HTTP', impact: 'high' }, () => {
    pkg('nginx').installed();
    service('nginx').enabled().running();
    port(80).listening({ protocol: 'tcp' });
    processes('nginx').running().user({ contains: 'www-data' });
  });

  control(
    'accounts-01',
    { title: 'Only root has uid 0; the web server runs without a login shell', impact: 'high' },
    () => {
      user('root').uid(0).group('root');
      user('www-data').exists().shell('/usr/sbin/nologin');
      group('shadow').exists();
      command("awk -F: '$3 == 0 { print $1 }' /etc/passwd").stdout('root\n');
    },
  );

  control(
    'files-01',
    {
      title: 'Account databases have safe ownership and permissions',
      impact: 'high',
      tags: { cis: ['6.1.2', '6.1.3'] },
    },
    () => {
      file('/etc/passwd').mode(0o644).owner('root').group('root');
      file('/etc/shadow').mode(0o640).owner('root').group('shadow').not.readable({ by: 'others' });
      file('/etc/group').mode(0o644).owner('root');
      file('/etc/hosts.equiv').not.exists();
    },
  );

  control('packages-01', { title: 'No legacy remote-login or inetd services are installed', impact: 'medium' }, () => {
    for (const name of ['telnetd', 'rsh-server', 'xinetd', 'inetutils-inetd']) pkg(name).not.installed();
  });

  control('kernel-01', { title: 'Kernel parameters that hardening baselines require', impact: 'medium' }, () => {
    kernelParameter('kernel.randomize_va_space').value(2);
    kernelParameter('net.ipv4.tcp_syncookies').value(1);
    kernelParameter('net.ipv4.conf.all.accept_source_route').value(0);
    kernelParameter('net.ipv4.icmp_echo_ignore_broadcasts').value(1);
    kernelParameter('fs.suid_dumpable').value(0);
  });

  control('mounts-01', { title: 'The root file system is mounted', impact: 'low' }, () => {
    mount('/').mounted();
  });
});
