/** Why a listen failed, by the error's code, as an operator reads it; undefined: not a listen failure of a setting's making. */
const reasonOf = (code: string, setting: string, host: string, port: number): string | undefined => {
  switch (code) {
    case 'EADDRINUSE':
      return `${setting} ${port} on ${host} is in use (EADDRINUSE): another process listens there`;
    case 'EACCES':
      return `${setting} ${port} on ${host} may not be opened by this user (EACCES): ports below 1024 need privileges`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is no address of this machine (EADDRNOTAVAIL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `HOST ${host} does not resolve to an address (${code})`;
    default:
      return undefined;
  }
};

/**
 * A listener of the process could not open on the address its settings give (a port another
 * process holds, a HOST that is not this machine's or does not resolve): a setting to fix, reported
 * in one line naming it (start-failure.ts), not a fault.
 */
export class CannotListen extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}
CannotListen.prototype.name = 'CannotListen';

const codeOf = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

/**
 * Opens a listener (`listen`) on the port of `setting` and the host given; a failure the address
 * explains becomes CannotListen naming the setting (or HOST), any other is rethrown as it is.
 */
export const listenAs = async <T>(setting: string, { host, port }: { host: string; port: number }, listen: () => Promise<T>): Promise<T> => {
  try {
    return await listen();
  } catch (error) {
    const code = codeOf(error);
    const reason = code === undefined ? undefined : reasonOf(code, setting, host, port);
    if (reason === undefined) throw error;
    throw new CannotListen(reason, error);
  }
};
