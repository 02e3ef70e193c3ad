/**
 * Names that the CLI's help lists, kept apart from the commands themselves: building the
 * command line loads no command's code, each command loads its own when it runs.
 */
export const REPORTER_NAMES = ['cli', 'json', 'junit', 'html', 'markdown'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export const SCHEMA_NAMES = ['spec', 'plan', 'result', 'inventory', 'policy', 'drift', 'snapshot'] as const;
