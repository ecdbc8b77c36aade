/**
 * Shell completion scripts generated from the command registry: the command words, the
 * subcommands of a group (`stack up`), and each command's flags plus the global ones. bash is
 * the base; zsh loads it through bashcompinit; fish gets its own `complete` lines.
 */
import type { CommandDef } from './command';
import { GLOBAL_FLAGS } from './global-flags';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const flagsOf = (c: CommandDef): string[] => [
  ...Object.entries(c.options).flatMap(([k, o]) => [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]),
  ...GLOBAL_FLAGS.filter((g) => g.flag !== '--version').map((g) => g.flag),
];

/** First words (commands and groups), and each group's second words. */
function words(commands: readonly CommandDef[]): { top: string[]; groups: Map<string, string[]> } {
  const groups = new Map<string, string[]>();
  for (const c of commands) {
    const [a, b] = c.name.split(' ');
    if (b) groups.set(a!, [...(groups.get(a!) ?? []), b]);
  }
  const top = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  return { top, groups };
}

function bash(commands: readonly CommandDef[]): string {
  const { top, groups } = words(commands);
  const q = (s: string) => `'${s}'`;
  return [
    '# gkeflow bash completion: source <(gkeflow completion bash)',
    '_gkeflow() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" cmd="${COMP_WORDS[1]}"',
    '  if [[ $COMP_CWORD -eq 1 ]]; then',
    `    COMPREPLY=($(compgen -W "${[...top, '--help', '--version'].join(' ')}" -- "$cur")); return`,
    '  fi',
    '  case "$cmd" in',
    ...[...groups].map(
      ([g, subs]) =>
        `    ${g}) if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W "${subs.join(' ')}" -- "$cur")); return; fi; cmd="$cmd \${COMP_WORDS[2]}" ;;`,
    ),
    '  esac',
    '  local flags=""',
    '  case "$cmd" in',
    ...commands.map((c) => `    ${q(c.name)}) flags="${flagsOf(c).join(' ')}" ;;`),
    '  esac',
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur"))',
    '  else COMPREPLY=($(compgen -f -- "$cur")); fi',
    '}',
    'complete -F _gkeflow gkeflow',
  ].join('\n');
}

function fish(commands: readonly CommandDef[]): string {
  const { top, groups } = words(commands);
  const esc = (s: string) => s.replace(/'/g, "\\'");
  const summaryOf = (w: string) => commands.find((c) => c.name === w)?.summary ?? `${w} commands`;
  const lines = ['# gkeflow fish completion: gkeflow completion fish | source', 'complete -c gkeflow -f'];
  for (const w of top) lines.push(`complete -c gkeflow -n '__fish_use_subcommand' -a '${w}' -d '${esc(summaryOf(w))}'`);
  for (const [g, subs] of groups)
    for (const s of subs)
      lines.push(
        `complete -c gkeflow -n '__fish_seen_subcommand_from ${g}; and not __fish_seen_subcommand_from ${subs.join(' ')}' -a '${s}' -d '${esc(summaryOf(`${g} ${s}`))}'`,
      );
  for (const c of commands) {
    const [a, b] = c.name.split(' ');
    const when = b
      ? `__fish_seen_subcommand_from ${a}; and __fish_seen_subcommand_from ${b}`
      : `__fish_seen_subcommand_from ${a}`;
    for (const [k, o] of Object.entries(c.options))
      lines.push(
        `complete -c gkeflow -n '${when}' -l '${k}'${o.short ? ` -s '${o.short}'` : ''}${o.type === 'string' ? ' -r' : ''}`,
      );
  }
  for (const g of GLOBAL_FLAGS) lines.push(`complete -c gkeflow -l '${g.flag.slice(2)}' -d '${esc(g.summary)}'`);
  return lines.join('\n');
}

/** The completion script for a shell. */
export function completionScript(shell: Shell, commands: readonly CommandDef[]): string {
  if (shell === 'fish') return fish(commands);
  const script = bash(commands);
  return shell === 'zsh'
    ? [
        '# gkeflow zsh completion: source <(gkeflow completion zsh)',
        'autoload -U +X bashcompinit && bashcompinit',
        script,
      ].join('\n')
    : script;
}
