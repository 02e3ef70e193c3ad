import { z } from 'zod';

/** One kernel socket table per protocol and address family. */
export const SOCKET_FAMILIES = ['tcp4', 'tcp6', 'udp4', 'udp6'] as const;
export type SocketFamily = (typeof SOCKET_FAMILIES)[number];

/** What `listening({ protocol })` accepts: `tcp` and `udp` mean either address family. */
export const PORT_PROTOCOLS = ['tcp', 'udp', 'tcp4', 'tcp6', 'udp4', 'udp6'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];
// ---------------------------------------------------------------------------------------------
// The socket table: one query for every port check
// ---------------------------------------------------------------------------------------------

export const ListeningSocketSchema = z.object({
  family: z.enum(SOCKET_FAMILIES),
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  inode: z.number().int().nonnegative(),
  /** Pids holding the socket open, as far as their open files could be read. */
  owners: z.array(z.number().int().positive()),
});
export type ListeningSocket = z.infer<typeof ListeningSocketSchema>;

export const SocketTableSchema = z.object({
  /** TCP sockets in LISTEN and unconnected UDP sockets, in the probe's network namespace. */
  listening: z.array(ListeningSocketSchema),
  /** pid → kernel process name, for the owners above. */
  processNames: z.record(z.string(), z.string()),
  /** Processes whose open files could not be read (permission denied). */
  unreadablePids: z.array(z.number().int().positive()),
  /** Why no socket owner could be read at all (no `ls`), or null. */
  ownerListingProblem: z.string().nullable(),
});
export type SocketTable = z.infer<typeof SocketTableSchema>;

/** What a check on one port reads. */
export const PortFactSchema = z.object({
  port: z.number().int(),
  sockets: z.array(
    z.object({
      family: z.enum(SOCKET_FAMILIES),
      address: z.string(),
      /** Distinct names of the owning processes; null when they cannot be known. */
      processes: z.array(z.string()).nullable(),
    }),
  ),
  /** Why some owners are null. */
  ownerProblem: z.string().nullable(),
});
export type PortFact = z.infer<typeof PortFactSchema>;

/**
 * Sections open with lines starting "@ds:", which no data line can start with: table lines start
 * with spaces, `ls` lines with a mode, "total" or "/proc/", stat lines with a pid. `ls -q` (POSIX)
 * prints control characters in link targets as "?", so a file name cannot forge a line; busybox
 * ls has no -q and always does so. Every end marker starts on a fresh line.
 */
export const LISTENER_TABLE_SCRIPT = `for ds_t in tcp tcp6 udp udp6; do
  if [ -e "/proc/net/$ds_t" ]; then
    printf '@ds:table %s\\n' "$ds_t"
    cat "/proc/net/$ds_t"
    printf '\\n@ds:end %s\\n' "$?"
  else
    printf '@ds:no-table %s\\n' "$ds_t"
  fi
done
printf '@ds:byte-order %s\\n' "$(printf '\\001\\000\\000\\000' | od -An -tx4 2>/dev/null)"`;

/** The socket tables and, for every socket, the processes holding it: every open file of every process. */
export const SOCKET_TABLE_SCRIPT = `${LISTENER_TABLE_SCRIPT}
ds_ls=-l
if ls -dq / >/dev/null 2>&1; then ds_ls=-lq; fi
printf '@ds:fds %s\\n' "$ds_ls"
ls $ds_ls /proc/[0-9]*/fd
printf '\\n@ds:end %s\\n' "$?"
printf '@ds:stat\\n'
for ds_p in /proc/[0-9]*; do
  IFS= read -r ds_s 2>/dev/null <"$ds_p/stat" && printf '%s\\n' "$ds_s"
done
printf '@ds:end 0\\n'`;
