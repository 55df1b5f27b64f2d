/** sysexits.h EX_USAGE: the command was used wrongly (an argument it does not know). */
export const EX_USAGE = 64;

/**
 * Stops an entry point given an argument it does not know (a typo of `config-schema` used to start
 * the whole platform): one line naming the argument, the usage, exit 64 (EX_USAGE). Settings are
 * another matter: a bad one is exit 78 (EX_CONFIG, loadConfigOrExit).
 */
export const exitOnUnknownArgument = (name: string, argument: string, usage: string): never => {
  process.stderr.write(`${name}: unknown argument ${JSON.stringify(argument)}; ${usage}\n`);
  process.exit(EX_USAGE);
};
