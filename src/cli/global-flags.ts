/**
 * The flags every command takes, read by the runner (main.ts) before the command's own: one
 * list for the top help, "did you mean" and shell completion.
 */
export interface GlobalFlag {
  flag: string;
  usage: string;
  summary: string;
}

export const GLOBAL_FLAGS: readonly GlobalFlag[] = [
  {
    flag: '--output',
    usage: '--output, -o MODE',
    summary: 'text (default), json (one document on stdout, errors too) or jsonl (progress events, then it)',
  },
  { flag: '--json', usage: '--json', summary: 'the same as --output json' },
  {
    flag: '--profile',
    usage: '--profile NAME',
    summary: 'a Temporal profile (as TEMPORAL_PROFILE; TEMPORAL_CONFIG_FILE)',
  },
  { flag: '--help', usage: '--help, -h', summary: "this help, or a command's" },
  { flag: '--version', usage: '--version', summary: "gkeflow's version" },
];
